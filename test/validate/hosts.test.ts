// Labs over several hosts in the file (machines:, NAME@HOST): what validation refuses — an undeclared host (with
// did-you-mean), a name on no host, a namespace twice on one host, a veth between two hosts, bad or shared underlay
// addresses — each at its line:column; each host's part gets the single-host checks, placed back in the file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (text: string) => check(text).problems.map((p) => ({ code: p.code, at: at(p), message: p.message }));

/** Two hosts (lines 2-4), then the rest. */
const lab = (rest: string, hosts = `  node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }`) => `name: lab
machines:
${hosts}
${rest}`;

describe('machines: valid files', () => {
  it('examples/two-nodes-ssh.yaml validates without a warning', () => {
    const r = check(readFileSync(new URL('../../examples/two-nodes-ssh.yaml', import.meta.url), 'utf8'));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('allows the same namespace and interface names on two hosts, and names without @ on the local host', () => {
    expect(problems(lab(`namespaces:
  a@node1: {}
  a@node2: {}
  b: {}
veths:
  - ends: [{ name: v0, namespace: a@node1 }, { name: v1, namespace: host@node1 }]
  - ends: [{ name: v0, namespace: a@node2 }, { name: v1, namespace: host@node2 }]
  - ends: [{ name: v0, namespace: b }, { name: v2 }]`, `  node1: { local: true, underlay: 10.9.0.1 }
  node2: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }`))).toEqual([]);
  });
});

describe('machines: what is refused', () => {
  it('an undeclared host, with did-you-mean', () => {
    expect(problems(lab(`namespaces:
  a@nod1: {}`))).toEqual([{ code: 'unknown-host', at: '6:3', message: 'host "nod1" is not declared (did you mean "node1"?)' }]);
  });

  it('NAME@HOST in a file without machines', () => {
    expect(problems(`name: lab
namespaces:
  a@node1: {}`)).toEqual([{ code: 'no-hosts', at: '3:3', message: '"a@node1" names host "node1", but the file declares no machines' }]);
  });

  it('a name without @ when no host is the default, also where the namespace is implicit', () => {
    expect(problems(lab(`namespaces:
  a: {}
bridges:
  br0: {}`))).toEqual([
      { code: 'no-default-host', at: '6:3', message: 'namespace "a", on which host? The file has several and none is local: true' },
      { code: 'no-default-host', at: '8:3', message: 'this is in the root namespace ("host"), on which host? The file has several and none is local: true' },
    ]);
  });

  it('one namespace twice on a host: once with @, once on the default host', () => {
    expect(problems(lab(`namespaces:
  a@node1: {}
  a: {}`, '  node1: { local: true }'))).toEqual([
      { code: 'duplicate-namespace', at: '6:3', message: 'namespace "a" on host "node1" is declared twice, as "a@node1" and "a" (see line 5)' },
    ]);
  });

  it('a veth whose ends are on two hosts: refused, pointing to links:', () => {
    const r = check(lab(`namespaces:
  a@node1: {}
  a@node2: {}
veths:
  - ends: [{ name: v0, namespace: a@node1 }, { name: v1, namespace: a@node2 }]`)).problems;
    expect(r.map((p) => [p.code, at(p)])).toEqual([['cross-host-link', '9:46']]);
    expect(r[0].message).toBe('the ends of this veth are on two hosts (node1 and node2): a veth joins two namespaces of one machine (see line 9)');
    expect(r[0].hint).toMatch(/links: \(a VXLAN pair.*mode: routed/);
  });

  it('underlay addresses: valid, distinct, present when there are several hosts; a way to reach each host', () => {
    expect(problems(lab('', `  node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { ssh: root@10.9.0.2, underlay: 10.9.00.1 }
  node3: { ssh: root@10.9.0.3, underlay: "10.9.0.1" }
  node4: { ssh: root@10.9.0.4 }
  node5: { underlay: 10.9.0.5 }`))).toEqual([
      { code: 'bad-underlay', at: '4:42', message: 'underlay "10.9.00.1" is not an IPv4 or IPv6 address' },
      { code: 'duplicate-underlay', at: '5:42', message: 'hosts "node1" and "node3" have the same underlay address 10.9.0.1 (see line 3)' },
      { code: 'no-underlay', at: '6:3', message: 'host "node4" has no underlay address' },
      { code: 'host-reach', at: '7:3', message: 'host "node5" says neither how to reach it (ssh: user@address) nor that it is local: true' },
    ]);
  });

  it('the schema: host names, ssh as user@address, ports', () => {
    const r = problems(lab('', `  Node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { ssh: 10.9.0.2, port: 0, underlay: 10.9.0.2 }`));
    expect(r.map((p) => [p.code, p.at])).toEqual([['bad-value', '3:3'], ['bad-value', '4:17'], ['out-of-range', '4:33']]);
  });

  it("a host's part gets every single-host check, placed in the whole file and naming the host", () => {
    expect(problems(lab(`namespaces:
  a@node1: {}
  b@node2: {}
  a@node2: {}
veths:
  - ends: [{ name: v0, namespace: a@node1, addresses: [10.0.0.1/24] }, { name: v1, namespace: host@node1 }]
  - ends: [{ name: v0, namespace: a@node2 }, { name: v0, namespace: b@node2 }]
  - ends: [{ name: v0, namespace: a@node2 }, { name: v1, namespace: c@node2 }]`))).toEqual([
      { code: 'duplicate-interface', at: '12:20', message: 'on host node2: interface "v0" is declared twice in namespace "a" (see line 11)' },
      { code: 'unknown-namespace', at: '12:69', message: 'on host node2: namespace "c" is not declared (did you mean "b"?)' },
    ]);
  });
});

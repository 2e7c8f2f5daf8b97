// What validation refuses in links: (validate/semantic-links.ts, and the ends' checks in each host's slice), each at
// its line:column: an unknown host or namespace, both ends on one host, a host without underlay, VNI collisions and
// range, the fields of the other mode, a routed link between hosts without subnets or with overlapping ones, and an
// end MTU larger than this machine's underlay can carry (checked where the underlay is one of this machine's).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { linkVni } from '../../src/core/links.js';
import { validateText, type ValidateOptions } from '../../src/validate/index.js';
import { underlayLinks } from '../../src/io/underlay-link.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const problems = (text: string, opts: ValidateOptions = {}) => validateText(text, 'lab.yaml', opts).problems.map((p) => ({ code: p.code, at: at(p), message: p.message }));

/** Two hosts (lines 2-4), namespaces a@node1 and b@node2 (lines 5-7), then `rest` from line 8. */
const lab = (rest: string, hosts = `  node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }`) => `name: lab
machines:
${hosts}
namespaces:
  a@node1: {}
  b@node2: {}
${rest}`;

describe('links: valid files', () => {
  it.each(['two-nodes-vxlan.yaml', 'two-nodes-routed.yaml'])('examples/%s validates without a warning', (name) => {
    const r = validateText(readFileSync(new URL(`../../examples/${name}`, import.meta.url)), name);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('links: what is refused, at its line:column', () => {
  it('an end on an undeclared host (did-you-mean), or in an undeclared namespace of its host', () => {
    expect(problems(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: b@nod2, name: x }]`))).toEqual([
      { code: 'unknown-host', at: '9:58', message: 'host "nod2" is not declared (did you mean "node2"?)' },
    ]);
    expect(problems(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: c@node2, name: x }]`))).toEqual([
      expect.objectContaining({ code: 'unknown-namespace', at: '9:58', message: expect.stringMatching(/^on host node2: namespace "c" is not declared/) }),
    ]);
  });

  it('both ends on one host: a veth', () => {
    const r = validateText(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: host@node1, name: y }]`), 'lab.yaml').problems;
    expect(r.map((p) => [p.code, at(p), p.message])).toEqual([['link-one-host', '9:45', 'both ends of this link are on host node1: a link joins two hosts (see line 9)']]);
    expect(r[0].hint).toMatch(/veths:/);
  });

  it('a host the link uses without an underlay address', () => {
    expect(problems(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: b@node2, name: x }]`, `  node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { local: true }`)).map((p) => p.code)).toEqual(['no-underlay']);
  });

  it('two links with one VNI: the second, asking for a vni of its own; a VNI out of range is the schema\'s', () => {
    expect(problems(lab(`links:
  - { vni: 7, ends: [{ namespace: a@node1, name: x }, { namespace: b@node2, name: x }] }
  - { vni: 7, ends: [{ namespace: a@node1, name: y }, { namespace: b@node2, name: y }] }`))).toEqual([
      { code: 'link-vni', at: '10:12', message: 'VNI 7 of this link is also that of link 0, at 9:12' },
    ]);
    const t = validateText(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: b@node2, name: x }]`), 'lab.yaml').topo!;
    const derived = linkVni('lab', t.links![0], undefined);
    expect(problems(lab(`links:
  - ends: [{ namespace: a@node1, name: x }, { namespace: b@node2, name: x }]
  - { vni: ${derived}, ends: [{ namespace: a@node1, name: y }, { namespace: b@node2, name: y }] }`))).toEqual([
      { code: 'link-vni', at: '10:12', message: `VNI ${derived} of this link is also that of link 0, at 9:5` },
    ]);
    expect(problems(lab(`links:
  - { vni: 16777216, ends: [{ namespace: a@node1, name: x }, { namespace: b@node2, name: x }] }`))).toEqual([
      expect.objectContaining({ at: '9:12', message: expect.stringMatching(/16777215/) }),
    ]);
  });

  it("the other mode's fields", () => {
    expect(problems(lab(`links:
  - { mode: routed, between: [node1, node2], vni: 5 }
  - { between: [node1, node2] }
  - { mode: routed }
  - {}`)).map((p) => [p.code, p.at])).toEqual([
      ['link-mode', '9:46'], ['link-mode', '10:7'], ['link-between', '11:7'], ['link-ends', '12:5'],
    ]);
  });

  it('links without machines', () => {
    expect(problems(`name: lab
links:
  - ends: [{ name: x }, { name: y }]`).map((p) => [p.code, p.at])).toEqual([['links-no-machines', '2:1']]);
  });

  it('routed: an unknown host, a host with itself, a host without subnets, overlapping subnets', () => {
    expect(problems(lab(`links:
  - { mode: routed, between: [node1, nod2] }`))).toEqual([{ code: 'unknown-host', at: '9:38', message: 'host "nod2" is not declared (did you mean "node2"?)' }]);
    expect(problems(lab(`links:
  - { mode: routed, between: [node1, node1] }`)).map((p) => [p.code, p.at])).toEqual([['link-one-host', '9:38']]);
    const bridges = (b1: string, b2: string) => lab(`  host@node1: { bridges: { br0: { addresses: [${b1}] } } }
  host@node2: { bridges: { br0: { addresses: [${b2}] } } }
links:
  - { mode: routed, between: [node1, node2] }`);
    expect(problems(bridges('172.16.0.1/24', 'fd00::1/64'))).toEqual([
      { code: 'link-no-subnets', at: '11:38', message: 'host node2 has no IPv4 subnet to route to: no interface the lab declares in its root namespace has an IPv4 address' },
    ]);
    expect(problems(bridges('172.16.0.1/16', '172.16.1.1/24'))).toEqual([
      { code: 'link-overlap', at: '11:30', message: "subnet 172.16.0.0/16 of node1 and subnet 172.16.1.0/24 of node2 overlap: each host would route the other's addresses to itself" },
    ]);
    expect(problems(bridges('172.16.0.1/24', '172.16.1.1/24'))).toEqual([]);
  });
});

describe("links: the MTU against this machine's underlay", () => {
  const file = lab(`links:
  - mtu: 1450
    ends:
      - { namespace: a@node1, name: x }
      - { namespace: b@node2, name: x, mtu: 1400 }`);
  /** This machine is node1, its underlay interface eth0 with `mtu`. */
  const on1 = (mtu: number): ValidateOptions => ({ underlayLink: underlayLinks(() => JSON.stringify([
    { ifname: 'lo', mtu: 65536, addr_info: [{ local: '127.0.0.1' }] }, { ifname: 'eth0', mtu, addr_info: [{ local: '10.9.0.1' }] },
  ])) });

  it("an end's MTU larger than this host's underlay can carry: refused at the mtu that sets it, with the numbers", () => {
    const r = validateText(file, 'lab.yaml', on1(1400)).problems;
    expect(r.map((p) => [p.code, at(p), p.message])).toEqual([
      ['link-mtu', '9:10', "MTU 1450 of x is more than host node1's underlay can carry: 1350 (eth0's MTU 1400 less 50 bytes of VXLAN over IPv4 headers)"],
    ]);
    expect(r[0].hint).toMatch(/set mtu: 1350 or less/);
  });

  it('fits at 1500; the other host\'s end is checked on that host only; without the read, nothing is checked', () => {
    expect(problems(file, on1(1500))).toEqual([]);
    expect(problems(file)).toEqual([]);
    expect(problems(file.replace('mtu: 1400', 'mtu: 9000'), on1(1500))).toEqual([]);
  });
});

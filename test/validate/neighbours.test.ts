// Static neighbours in the file: what the schema refuses (keys, MAC, plain address) and what the kind's check does
// (an address a neighbour can have, an interface of the lab in that namespace with did-you-mean, one entry per
// interface and address whatever the spelling, a bridge port warned about), each at its line:col.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
/** Namespace a with eth0 (paired with p1, a port of br0 in b); `entries` are a's neighbours, one per line from line 5. */
const lab = (...entries: string[]) => `name: lab
namespaces:
  a:
    neighbours:
${entries.map((e) => `      - ${e}\n`).join('')}  b:
    bridges: { br0: {} }
veths:
  - ends: [{ name: eth0, namespace: a, addresses: [10.0.0.1/24, "fd00::1/64"] }, { name: p1, namespace: b, bridge: br0 }]
`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (text: string) => check(text).problems.map((p) => `${at(p)} ${formatProblems('lab.yaml', [p]).split('\n').slice(0, 2).join(' | ').replace(/^lab\.yaml:\d+:\d+: /, '')}`);

describe('neighbours: valid', () => {
  it('IPv4, IPv6 and link-local IPv6, any spelling; on a veth end or a bridge; in the host on the lab\'s interface', () => {
    const r = check(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: eth0 }', '{ address: "FD00:0::2", lladdr: "02:AB:00:00:00:02", dev: eth0 }',
      '{ address: "fe80::2", lladdr: "02:00:00:00:00:02", dev: eth0 }'));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(check(`name: lab
namespaces:
  host:
    neighbours: [{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: h0 }, { address: 10.0.1.2, lladdr: "02:00:00:00:00:02", dev: br9 }]
  b: {}
bridges: { br9: {} }
veths:
  - ends: [{ name: h0, addresses: [10.0.0.1/24] }, { name: e1, namespace: b }]
`).problems).toEqual([]);
  });
});

describe('neighbours: refused', () => {
  it('an interface the namespace does not have: did-you-mean, or where it is; lo has no neighbours', () => {
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: eht0 }'))).toEqual([
      '5:64 error: neighbour dev "eht0" is not an interface the lab declares in namespace "a" (did you mean "eth0"?) |   hint: interfaces of a: eth0']);
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: p1 }'))).toEqual([
      '5:64 error: neighbour dev "p1" is not an interface the lab declares in namespace "a" |   hint: p1 is in namespace "b"']);
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: lo }'))).toEqual([
      '5:64 error: neighbour dev "lo" is not an interface the lab declares in namespace "a" |   hint: the loopback interface has no neighbours']);
  });

  it('in the host too, only the lab\'s interfaces (an entry on the host\'s own would not be the lab\'s to own)', () => {
    const ps = check('name: lab\nnamespaces:\n  host:\n    neighbours: [{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: eth0 }]\n').problems;
    expect(ps.map((p) => [at(p), p.message])).toEqual([['4:73', 'neighbour dev "eth0" is not an interface the lab declares in the host namespace']]);
  });

  it('an address that is no address, the unspecified one, one with a prefix length', () => {
    expect(problems(lab('{ address: 10.0.0.999, lladdr: "02:00:00:00:00:02", dev: eth0 }'))).toEqual([
      '5:20 error: neighbour address "10.0.0.999" is not a valid IPv4 or IPv6 address']);
    expect(problems(lab('{ address: "::", lladdr: "02:00:00:00:00:02", dev: eth0 }'))).toEqual([
      '5:20 error: neighbour address :: is the unspecified address ("any"), not a neighbour\'s']);
    expect(problems(lab('{ address: 10.0.0.2/24, lladdr: "02:00:00:00:00:02", dev: eth0 }'))).toEqual([
      '5:20 error: "10.0.0.2/24" must be a plain address, without a prefix length |   hint: write 10.0.0.2']);
  });

  it('a MAC that is not one, a multicast one; a missing or unknown key', () => {
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00", dev: eth0 }'))).toEqual([
      '5:38 error: MAC address "02:00:00:00:00" is not six hex pairs separated by \':\' |   hint: e.g. "02:00:00:00:00:01" (quote it)']);
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "01:00:5e:00:00:01", dev: eth0 }'))[0]).toContain('is a multicast address');
    expect(problems(lab('{ address: 10.0.0.2, dev: eth0 }'))).toEqual([
      '5:9 error: item #1 is missing required key "lladdr" |   hint: The neighbour\'s MAC address.']);
    expect(problems(lab('{ address: 10.0.0.2, lladdr: "02:00:00:00:00:02", dev: eth0, nud: noarp }'))[0]).toContain('unknown key "nud"');
  });

  it('one entry per interface and address, whatever the spelling: the second points at the first', () => {
    expect(problems(lab('{ address: "fd00::5", lladdr: "02:00:00:00:00:05", dev: eth0 }', '{ address: "FD00:0::5", lladdr: "02:00:00:00:00:06", dev: eth0 }'))).toEqual([
      '6:20 error: neighbour fd00::5 on eth0 is declared twice in namespace "a" (first at 5:20): the kernel keeps one entry per interface and address |   hint: keep one of them']);
  });
});

describe('neighbours: warned about', () => {
  it('an entry on a bridge port, which the kernel never looks up', () => {
    const r = check(lab().replace('    bridges: { br0: {} }', '    bridges: { br0: {} }\n    neighbours: [{ address: 10.0.0.9, lladdr: "02:00:00:00:00:09", dev: p1 }]').replace('    neighbours:\n  b:', '  b:'));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings.map((w) => [w.code, at(w), w.message, w.hint])).toEqual([['neighbour-on-port', '6:73',
      'p1 is a port of bridge br0: IP traffic goes out through the bridge, so the kernel looks its neighbours up on br0, not on p1', 'put the entry on br0']]);
  });
});

// Problems: where they point, how many are reported, how they read.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, MAX_PROBLEMS, positionOf, validateText } from '../../src/validate/index.js';

const problems = (text: string | Buffer, opts = {}) => validateText(text, 'lab.yaml', opts).problems;
const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;

describe('positions', () => {
  it('an unknown key points at the key, a bad value at the value', () => {
    const [p] = problems('name: lab\nbridges:\n  br0:\n    adresses: [10.0.0.1/24]\n');
    expect(at(p)).toBe('4:5');
    expect(p.path).toBe('/bridges/br0/adresses');
    const [q] = problems('name: lab\nbridges:\n  br0:\n    mtu: 10\n');
    expect(at(q)).toBe('4:10');
    expect(q.path).toBe('/bridges/br0/mtu');
  });

  it('a bad name used as a key points at that key', () => {
    const [p] = problems('name: lab\nbridges:\n  ok: {}\n  "bad name": {}\n');
    expect(at(p)).toBe('4:3');
    expect(p.message).toContain('contains whitespace');
  });

  it('a missing key points at the mapping that lacks it', () => {
    const [p] = problems('name: lab\nveths:\n  - ends:\n      - name: a\n      - namespace: ns1\n        up: true\n');
    expect(at(p)).toBe('5:9');
    expect(p.message).toBe('veth end #2 is missing required key "name"');
  });

  it('positions follow aliases to the anchored node', () => {
    const [p] = problems('name: lab\nx: &m { mtu: 1 }\nbridges:\n  br0: *m\n');
    expect(p.message).toContain('unknown key "x"');
    const ps = problems('name: lab\nbridges:\n  br0: &m { mtu: 1 }\n  br1: *m\n');
    expect(ps.map(at)).toEqual(['3:18', '3:18']);
  });

  it('positionOf maps a Resource path back to the file', () => {
    const text = 'name: lab\nnamespaces:\n  ns1:\n    routes:\n      - { to: default, dev: lo }\n';
    expect(positionOf(text, '/namespaces/ns1/routes/0')).toEqual({ line: 5, col: 9 });
    expect(positionOf(text, '/namespaces/nope')).toEqual({ line: 3, col: 3 });
  });
});

describe('reporting', () => {
  it('reports every semantic problem at once, sorted by position', () => {
    const ps = problems(`name: lab
namespaces:
  ns1:
    routes: [{ to: default, via: 10.9.9.9 }]
    sysctls: { kernel.panic: 1 }
veths:
  - ends: [{ name: a, namespace: nsx }, { name: b, bridge: br9 }]
tests:
  - { from: nowhere, ping: 8.8.8.8 }
`);
    expect(ps.map((p) => p.code)).toEqual(['gateway-unreachable', 'sysctl-not-net', 'unknown-namespace', 'unknown-bridge', 'unknown-namespace', 'unknown-ping-target']);
    expect(ps.map(at)).toEqual(['4:34', '5:16', '7:34', '7:60', '9:13', '9:28']);
  });

  it('a route through an interface declared down: the kernel refuses it, so validation does', () => {
    const lab = (up: string) => `name: lab
namespaces:
  a:
    routes:
      - { to: 10.9.0.0/24, via: 10.0.0.2 }
      - { to: 10.8.0.0/24, dev: a-b }
      - { to: 10.7.0.0/24, via: 10.0.0.2, dev: a-b }
veths:
  - ends: [{ name: a-b, namespace: a, addresses: [10.0.0.1/24]${up} }, { name: b-a, addresses: [10.0.0.2/24] }]
`;
    const ps = problems(lab(', up: false'));
    expect(ps.map((p) => [p.code, at(p)])).toEqual([['gateway-down', '5:33'], ['route-device-down', '6:33'], ['route-device-down', '7:48']]);
    expect(ps[0].message).toBe('gateway 10.0.0.2 is reachable only through a-b, declared down (up: false): the kernel refuses a route whose gateway it can\'t reach ("Nexthop has invalid gateway")');
    expect(ps[1].message).toContain('route device a-b is declared down (up: false)');
    expect(problems(lab(''))).toEqual([]);
  });

  it('every schema problem at once, one per place', () => {
    const ps = problems('name: Lab\nbridges:\n  br0: { mtu: 1, mac: "01:00:00:00:00:00", up: yes, colour: red }\n');
    expect(ps.map((p) => p.code)).toEqual(['bad-name', 'out-of-range', 'bad-mac', 'wrong-type', 'unknown-key']);
  });

  it('schema problems hide semantic ones (those need a well-formed file)', () => {
    const ps = problems('name: lab\nbridges:\n  br0: { mtu: 1, namespace: nope }\n');
    expect(ps.map((p) => p.code)).toEqual(['out-of-range']);
  });

  it('stops after MAX_PROBLEMS and says how many more there are', () => {
    const lines = ['name: lab', 'bridges:'];
    for (let i = 0; i < 150; i++) lines.push(`  b${i}: { mtu: 1 }`);
    const ps = problems(lines.join('\n'));
    expect(ps).toHaveLength(MAX_PROBLEMS + 1);
    expect(ps[MAX_PROBLEMS].message).toBe('50 more problem(s) not shown');
  });

  it('nat without nft is a problem only when the caller says nft is missing', () => {
    const text = 'name: lab\nnamespaces:\n  ns1:\n    nat: { masquerade: [{ out: lo }] }\n  ns2:\n    nat: { masquerade: [{ out: lo }] }\n';
    const ps = problems(text, { nftAvailable: false });
    expect(ps).toHaveLength(1);
    expect(ps[0].message).toContain('`nft`');
    expect(ps[0].hint).toBe('nft is provided by the Debian package nftables: apt-get install nftables');
    expect(at(ps[0])).toBe('4:5');
  });

  it('a 16-byte name and an option-like name say why', () => {
    const [long] = problems('name: lab\nbridges:\n  br-0123456789abc: {}\n');
    expect(long.message).toContain("interface names are at most 15 bytes (the kernel's IFNAMSIZ)");
    const [utf8] = problems('name: lab\nbridges:\n  brückeeeeeeeeee: {}\n');
    expect(utf8.message).toContain('contains "ü"');
    expect(utf8.message).not.toContain('metacharacter');
    const [dash] = problems('name: lab\nbridges:\n  -br0: {}\n');
    expect(dash.message).toContain('could be read as an option');
  });

  it('unknown keys suggest the closest allowed key of that object only', () => {
    expect(problems('name: lab\nveths:\n  - ends: [{ name: a, namspace: x }, { name: b }]\n')[0].message)
      .toBe('unknown key "namspace" (did you mean "namespace"?)');
    const [far] = problems('name: lab\nbridges:\n  br0: { colour: red }\n');
    expect(far.message).toBe('unknown key "colour"');
    expect(far.hint).toBe('allowed keys here: namespace, addresses, mtu, mac, up, promisc, addrgenmode, stp, forward_delay, hello_time, max_age, ageing_time, mcast_snooping, vlan_filtering, shape');
  });

  it('a veth end whose bridge lives in another namespace gets a specific message', () => {
    const [p] = problems('name: lab\nnamespaces:\n  ns1: {}\nbridges:\n  br0: { namespace: ns1 }\nveths:\n  - ends: [{ name: a, bridge: br0 }, { name: b }]\n');
    expect(p.code).toBe('bridge-namespace');
    expect(p.message).toBe('bridge "br0" is in namespace "ns1", but this end (a) is in namespace "host" (see line 5)');
  });
});

describe('formatProblems', () => {
  it('prints file:line:col: error: message, a hint line, sorted by position', () => {
    const out = formatProblems('lab.yaml', [
      { code: 'b', message: 'second', pos: { line: 12, col: 7 }, hint: 'do this' },
      { code: 'a', message: 'first', pos: { line: 3, col: 1 } },
      { code: 'c', message: 'no place' },
    ]);
    expect(out).toBe('lab.yaml: error: no place\nlab.yaml:3:1: error: first\nlab.yaml:12:7: error: second\n  hint: do this');
  });

  it('prints a real unknown-key problem the documented way', () => {
    const text = 'name: lab\n' + '\n'.repeat(9) + 'bridges:\n  br0:\n      adresses: []\n';
    expect(formatProblems('lab.yaml', problems(text))).toBe('lab.yaml:13:7: error: unknown key "adresses" (did you mean "addresses"?)');
  });
});

// Validation of macvlans (namespaces.<ns>.macvlans): what the kernel would refuse is an error at its line:col with a
// did-you-mean where a name is referenced; what would apply but not work as meant is a warning. The interfaces
// stacked on a parent are on its layer 2 segment, so an address used twice across them is found.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const check = (text: string) => validateText(text, 'lab.yaml');
const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const errors = (text: string) => check(text).problems.map((p) => [p.code, at(p), p.message]);

/** switch/uplink (peer far/eth0, 10.1.0.254) and the macvlans given under red. */
const lab = (red: string, more = '') => `name: lab
namespaces:
  switch: {}
  far: {}
  red:
    macvlans:
${red}
${more}veths:
  - ends: [{ name: uplink, namespace: switch }, { name: eth0, namespace: far, addresses: [10.1.0.254/24] }]
`;

describe('macvlan validation: errors', () => {
  it('the examples\' forms are valid: a parent in another namespace, in its own, in the host (the host\'s own)', () => {
    const r = check(lab(`      mv0: { parent: { name: uplink, namespace: switch }, addresses: [10.1.0.11/24] }
      mv1: { parent: { name: eth9, namespace: host }, mode: vepa }`, `  blue:
    macvlans:
      mv0: { parent: eth1 }
`).replace('veths:\n', 'veths:\n  - ends: [{ name: eth1, namespace: blue }, { name: peer1 }]\n'));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('a parent that is not an interface of its namespace: did you mean, and the namespace\'s interfaces', () => {
    const [p] = check(lab('      mv0: { parent: { name: uplnk, namespace: switch } }')).problems;
    expect([p.code, at(p), p.message, p.hint]).toEqual(['unknown-interface', '7:30',
      'parent "uplnk" is not an interface of namespace "switch" (did you mean "uplink"?)', 'interfaces of switch: uplink']);
    // The short form names an interface of the macvlan's own namespace.
    expect(errors(lab('      mv0: { parent: uplink }'))).toEqual([['unknown-interface', '7:22', 'parent "uplink" is not an interface of namespace "red"']]);
    expect(check(lab('      mv0: { parent: uplink }')).problems[0].hint).toBe('uplink is in namespace "switch"');
  });

  it('a parent\'s namespace that is not declared, with did you mean', () => {
    expect(errors(lab('      mv0: { parent: { name: uplink, namespace: swich } }'))).toEqual([
      ['unknown-namespace', '7:49', 'namespace "swich" is not declared (did you mean "switch"?)']]);
  });

  it('what the kernel refuses: lo, a bridge port, a second macvlan beside a passthru one, a passthru MAC, one MAC twice, an MTU above the parent\'s', () => {
    expect(errors(lab('      mv0: { parent: { name: lo, namespace: switch } }'))[0].slice(0, 2)).toEqual(['macvlan-parent-lo', '7:30']);
    const port = check(`name: lab
namespaces:
  sw: { bridges: { br0: {} } }
  red: { macvlans: { mv0: { parent: { name: p0, namespace: sw } } } }
veths:
  - ends: [{ name: p0, namespace: sw, bridge: br0 }, { name: p1 }]
`).problems;
    expect(port.map((p) => [p.code, at(p), p.hint])).toEqual([['macvlan-parent-port', '4:45', 'put the macvlan on the bridge: parent: { name: br0, namespace: sw }']]);
    expect(port[0].message).toContain('(see line 6)');
    expect(errors(lab(`      pt0: { parent: { name: uplink, namespace: switch }, mode: passthru, mac: "02:00:00:00:00:01" }
      mv1: { parent: { name: uplink, namespace: switch }, mode: private }`))).toEqual([
      ['macvlan-passthru-mac', '7:80', 'a passthru macvlan has its parent\'s MAC address: setting "02:00:00:00:00:01" would change the parent uplink\'s'],
      ['macvlan-passthru', '8:30', 'uplink in namespace "switch" is the parent of passthru macvlan pt0 (namespace "red"): a passthru macvlan must be its parent\'s only one (the kernel refuses another: Invalid argument) (see line 7)'],
    ]);
    expect(errors(lab(`      a0: { parent: { name: uplink, namespace: switch }, mac: "02:00:00:00:00:0A" }
      a1: { parent: { name: uplink, namespace: switch }, mac: "02:00:00:00:00:0a" }`)).map((e) => e.slice(0, 2))).toEqual([['macvlan-duplicate-mac', '8:63']]);
    expect(errors(lab('      mv0: { parent: { name: uplink, namespace: switch }, mtu: 1501 }'))).toEqual([['macvlan-mtu', '7:64',
      'MTU 1501 is above its parent uplink\'s (1500): the kernel refuses a macvlan larger than its parent (Invalid argument)']]);
  });

  it('a macvlan of a macvlan: refused, with the parent it would really get', () => {
    const ps = check(lab(`      mv0: { parent: { name: uplink, namespace: switch } }
      mv1: { parent: mv0 }`)).problems;
    expect(ps.map((p) => [p.code, at(p), p.message, p.hint])).toEqual([['macvlan-on-macvlan', '8:22',
      'parent "mv0" is a macvlan: the kernel puts a macvlan of a macvlan on its parent (uplink@switch), so it would never read back as declared (see line 7)',
      'give it the same parent: parent: { name: uplink, namespace: switch }']]);
  });

  it('the schema: mode, the parent\'s forms, an unknown key, a missing parent', () => {
    expect(errors(lab('      mv0: { parent: uplink, mode: bridged }'))).toEqual([['bad-value', '7:36',
      '"mode" must be one of "bridge", "private", "vepa", "passthru", not "bridged" (did you mean "bridge"?)']]);
    expect(errors(lab('      mv0: { parent: "up link" }'))[0].slice(0, 3)).toEqual(['bad-name', '7:22', 'interface name "up link" contains whitespace']);
    expect(errors(lab('      mv0: { parent: { name: uplink, nmespace: switch } }'))).toEqual([['unknown-key', '7:38', 'unknown key "nmespace" (did you mean "namespace"?)']]);
    expect(errors(lab('      mv0: { mode: bridge }'))).toEqual([['missing-key', '7:12', '"mv0" is missing required key "parent"']]);
    expect(errors(lab('      "my mv": { parent: uplink }'))[0].slice(0, 2)).toEqual(['bad-name', '7:7']);
  });

  it('a name taken in its namespace, and an address used twice on the parent\'s segment', () => {
    const r = check(`name: lab
namespaces:
  far: {}
  red:
    macvlans:
      eth0: { parent: { name: uplink, namespace: host } }
      mv0: { parent: { name: uplink, namespace: host }, addresses: [10.1.0.254/24] }
veths:
  - ends: [{ name: uplink }, { name: eth0, namespace: red }]
  - ends: [{ name: eth1, namespace: far, addresses: [10.1.0.254/24] }, { name: x }]
`);
    expect(r.problems.map((p) => [p.code, at(p), p.message])).toEqual([['duplicate-interface', '6:7',
      'interface "eth0" is declared twice in namespace "red" (as a veth end and as a macvlan) (see line 9)']]);
    const seg = check(lab(`      mv0: { parent: { name: uplink, namespace: switch }, addresses: [10.1.0.254/24] }`)).problems;
    expect(seg.map((p) => [p.code, at(p), p.message])).toEqual([['duplicate-address-on-link', '7:71',
      'address 10.1.0.254 is also on eth0 in namespace "far", on the same link (the two ends of a veth pair, and the interfaces stacked on them): each would answer for the other (see line 9)']]);
    // Two macvlans of one host interface the lab doesn't declare are on one segment too.
    const host = check(`name: lab
namespaces:
  a: { macvlans: { mv0: { parent: { name: eth9, namespace: host }, addresses: [10.5.0.1/24] } } }
  b: { macvlans: { mv0: { parent: { name: eth9, namespace: host }, addresses: [10.5.0.1/24] } } }
`).problems;
    expect(host.map((p) => [p.code, p.message])).toEqual([['duplicate-address-on-link',
      'address 10.5.0.1 is also on mv0 in namespace "a", on the same link (the interfaces stacked on eth9): each would answer for the other (see line 3)']]);
  });
});

describe('macvlan validation: warnings', () => {
  it('a parent declared down: no carrier', () => {
    const r = check(lab('      mv0: { parent: { name: uplink, namespace: switch } }').replace('{ name: uplink, namespace: switch },', '{ name: uplink, namespace: switch, up: false },'));
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.code, at(w), w.message])).toEqual([['macvlan-parent-down', '7:30',
      'parent "uplink" is declared down: macvlan mv0 has no carrier while its parent is down (see line 9)']]);
    expect(validateText(lab('      mv0: { parent: { name: uplink, namespace: switch } }').replace('{ name: uplink, namespace: switch },', '{ name: uplink, namespace: switch, up: false },'), 'lab.yaml', { strict: true }).topo).toBeUndefined();
  });

  it('a host parent the lab doesn\'t declare, one edit away from one it does: probably a typo', () => {
    const r = check(`name: lab
namespaces:
  red: { macvlans: { mv0: { parent: { name: uplnk, namespace: host } } } }
veths:
  - ends: [{ name: uplink }, { name: eth0, namespace: red }]
`);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.code, at(w), w.message])).toEqual([['macvlan-host-parent', '3:45',
      'parent "uplnk" is not an interface of the lab in the host namespace (did you mean "uplink"?)']]);
    expect(r.warnings[0].hint).toContain('Cannot find device "uplnk"');
  });
});

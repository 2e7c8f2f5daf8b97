// VXLAN endpoints in the file: what the schema refuses (VNI range, keys), what the kind's checks refuse (references
// with did-you-mean, exclusive peers, multicast, families, the VNI the kernel would refuse twice, an MTU the underlay
// can't carry) and warn about (bridge ports larger than the tunnel), each at its line:column.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (text: string) => check(text).problems.map((p) => ({ code: p.code, at: at(p), message: p.message, hint: p.hint }));

/** Two hypervisors joined by u1/u2 (lines 1-9), a bridge in hv1; `vx` is hv1's vxlans mapping (line 6 on). */
const lab = (vx: string, more = '') => `name: lab
namespaces:
  hv1:
    bridges: { br0: {} }
    vxlans:
${vx}
  hv2: { bridges: { br1: {} } }
veths:
  - ends: [{ name: u1, namespace: hv1, addresses: [192.168.0.1/24] }, { name: u2, namespace: hv2, addresses: [192.168.0.2/24] }]
${more}`;

describe('vxlan: valid files', () => {
  it.each(['vxlan.yaml', 'vxlan-flood.yaml'])('examples/%s validates without a warning', (name) => {
    const r = check(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('accepts the same VNI on another port or over the other family, and a group with its dev', () => {
    expect(problems(lab(`      a: { id: 9, remote: 192.168.0.2 }
      b: { id: 9, remote: 192.168.0.2, dstport: 4790 }
      c: { id: 9, remote: "fd00::2" }
      d: { id: 10, group: 239.1.1.1, dev: u1 }`))).toEqual([]);
  });
});

describe('vxlan: the schema', () => {
  it('refuses a VNI outside 1..16777215, and an endpoint without one', () => {
    expect(problems(lab('      a: { id: 0 }\n      b: { id: 16777216 }\n      c: { remote: 192.168.0.2 }'))).toEqual([
      expect.objectContaining({ code: 'out-of-range', at: '6:16', message: '"id" must be between 1 and 16777215, not 0' }),
      expect.objectContaining({ code: 'out-of-range', at: '7:16', message: '"id" must be between 1 and 16777215, not 16777216' }),
      expect.objectContaining({ code: 'missing-key', at: '8:10', message: '"c" is missing required key "id"' }),
    ]);
  });

  it('names the key meant', () => {
    expect(problems(lab('      a: { id: 1, remtoe: 192.168.0.2 }'))).toEqual([
      expect.objectContaining({ code: 'unknown-key', at: '6:19', message: 'unknown key "remtoe" (did you mean "remote"?)' })]);
  });
});

describe('vxlan: references', () => {
  it('dev: an interface of its namespace, with did-you-mean, and where the one named is', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, dev: u11 }\n      b: { id: 2, remote: 192.168.0.2, dev: u2 }'))).toEqual([
      { code: 'unknown-interface', at: '6:45', message: 'underlay "u11" is not an interface of namespace "hv1" (did you mean "u1"?)', hint: 'interfaces of hv1: br0, u1, a, b' },
      { code: 'unknown-interface', at: '7:45', message: 'underlay "u2" is not an interface of namespace "hv1" (did you mean "u1"?)', hint: 'u2 is in namespace "hv2"' },
    ]);
  });

  it('dev: not itself nor the bridge it is a port of', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, dev: a }\n      b: { id: 2, remote: 192.168.0.2, dev: br0, bridge: br0 }')).map((p) => [p.code, p.at, p.message])).toEqual([
      ['vxlan-dev-loop', '6:45', 'a can\'t send its packets through itself'],
      ['vxlan-dev-loop', '7:45', 'b can\'t send its packets through br0, the bridge it is a port of'],
    ]);
  });

  it('local: an address of its namespace, with did-you-mean', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, local: 192.168.0.11 }'))).toEqual([{
      code: 'vxlan-local', at: '6:47', message: 'local 192.168.0.11 of a is not an address of namespace "hv1" (did you mean "192.168.0.1"?)',
      hint: 'addresses of hv1: 192.168.0.1',
    }]);
  });

  it('bridge: a bridge of its own namespace, with did-you-mean', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, bridge: br00 }\n      b: { id: 2, remote: 192.168.0.2, bridge: br1 }')).map((p) => [p.code, p.at, p.message])).toEqual([
      ['unknown-bridge', '6:48', 'bridge "br00" is not declared (did you mean "br0"?)'],
      ['bridge-namespace', '7:48', 'bridge "br1" is in namespace "hv2", but b is in namespace "hv1" (see line 8)'],
    ]);
  });
});

describe('vxlan: where its frames go', () => {
  it('remote, group and flood are exclusive', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, flood: [192.168.0.3] }'))).toEqual([{
      code: 'vxlan-peers', at: '6:40', message: 'a has both remote and flood: an endpoint sends to one remote, one multicast group, or its flood entries (see line 6)',
      hint: 'keep one of them (several endpoints: list them all under flood)',
    }]);
  });

  it('a group is multicast and needs a dev; a remote or flood entry is not multicast nor 0.0.0.0', () => {
    expect(problems(lab(`      a: { id: 1, group: 192.168.0.9, dev: u1 }
      b: { id: 2, group: 239.1.1.1 }
      c: { id: 3, remote: 239.1.1.1 }
      d: { id: 4, flood: [0.0.0.0] }`)).map((p) => [p.code, p.at, p.message])).toEqual([
      ['vxlan-group-not-multicast', '6:26', 'group 192.168.0.9 of a is not a multicast address'],
      ['vxlan-group-dev', '7:19', 'b joins multicast group 239.1.1.1 but has no dev'],
      ['vxlan-address', '8:27', 'remote 239.1.1.1 of c is a multicast address'],
      ['vxlan-address', '9:27', 'flood 0.0.0.0 of d is the unspecified address'],
    ]);
  });

  it('one address family, and addresses that parse', () => {
    expect(problems(lab('      a: { id: 1, local: 192.168.0.1, flood: [192.168.0.2, "fd00::3"] }\n      b: { id: 2, remote: 1.2.3 }')).map((p) => [p.code, p.at, p.message])).toEqual([
      ['vxlan-family', '6:60', 'flood fd00::3 of a is IPv6, but its local 192.168.0.1 is IPv4 (see line 6)'],
      ['bad-address', '7:27', 'remote of b: "1.2.3" is not an IPv4 or IPv6 address'],
    ]);
  });

  it('one endpoint per VNI, port and family in a namespace: the kernel refuses a second whatever its dev or local', () => {
    expect(problems(lab('      a: { id: 7, remote: 192.168.0.2 }\n      b: { id: 7, remote: 192.168.0.3, dev: u1 }'))).toEqual([{
      code: 'vxlan-duplicate-vni', at: '7:16',
      message: 'b and a in namespace "hv1" both have VNI 7 on port 4789 over IPv4: the kernel refuses the second (A VXLAN device with the specified VNI already exists) (see line 6)',
      hint: 'one endpoint per VNI in a namespace; give the other a dstport of its own to keep both',
    }]);
  });
});

describe('vxlan: MTU', () => {
  it('at most the underlay\'s less 50 (IPv4) or 70 (IPv6), with the numbers', () => {
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, dev: u1, mtu: 1460 }\n      b: { id: 2, remote: "fd00::2", dev: u1, mtu: 1440 }'))).toEqual([
      { code: 'vxlan-mtu', at: '6:54', message: 'MTU 1460 of a is more than its underlay u1 can carry: 1450 (u1\'s MTU 1500 less 50 bytes of VXLAN over IPv4 headers)',
        hint: 'set mtu: 1450 or less, or give u1 an MTU of 1510 (the kernel would lower it to 1450 at creation without a word, and refuse 1460 later)' },
      expect.objectContaining({ code: 'vxlan-mtu', at: '7:52', message: expect.stringContaining('1430 (u1\'s MTU 1500 less 70 bytes of VXLAN over IPv6 headers)') }),
    ]);
    expect(problems(lab('      a: { id: 1, remote: 192.168.0.2, dev: u1, mtu: 8950 }').replace('addresses: [192.168.0.1/24] }', 'addresses: [192.168.0.1/24], mtu: 9000 }'))).toEqual([]);
  });

  it('warns when other ports of its bridge have a larger MTU (their big frames are lost in the tunnel)', () => {
    const r = check(lab('      a: { id: 1, remote: 192.168.0.2, dev: u1, bridge: br0 }',
      '  - ends: [{ name: p1, namespace: hv1, bridge: br0 }, { name: g1, namespace: hv2 }]\n'));
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((p) => ({ code: p.code, at: at(p), message: p.message, hint: p.hint }))).toEqual([{
      code: 'vxlan-mtu-ports', at: '6:57',
      message: 'a (MTU 1450) stretches bridge br0, whose other ports have a larger MTU: p1 (1500); frames larger than 1450 bytes from them are lost in the tunnel without an error',
      hint: 'give those ports (and the interfaces at their other end) mtu: 1450, or raise u1\'s MTU',
    }]);
  });
});

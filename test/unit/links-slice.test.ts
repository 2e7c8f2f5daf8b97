// Links between hosts in each host's slice (core/links.ts through core/host-slice.ts), pure: what a VXLAN link becomes
// on each of its hosts (the endpoint, its bridge, the veth to the end as written) with its names and MTU, its VNI
// (explicit, or derived and stable when other links come and go), what a routed link becomes (routes to the other
// host's subnets via its underlay), and the way back from a generated object to its link in the file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sliceHost } from '../../src/core/host-slice.js';
import { derivedVni, linkNames, linkVni } from '../../src/core/links.js';
import type { Topology } from '../../src/model.js';
import { validateText } from '../../src/validate/index.js';
import { indexLab } from '../../src/validate/lab-index.js';

const load = (text: string): Topology => {
  const r = validateText(text, 'lab.yaml');
  expect(r.problems).toEqual([]);
  return r.topo!;
};
const example = (name: string) => load(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));

const HOSTS = `name: lab
machines:
  node1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  node2: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }
`;
const pair = (extra = '') => `${HOSTS}namespaces:
  a@node1: {}
  b@node2: {}
links:
  - ends:
      - { namespace: a@node1, name: eth1, addresses: [10.0.0.1/24] }
      - { namespace: b@node2, name: eth1, addresses: [10.0.0.2/24] }
${extra}`;

describe('links: a VXLAN link in each host\'s slice', () => {
  it('node1: an endpoint to node2\'s underlay on a bridge of the root namespace, and a veth from the end as written to that bridge', () => {
    const t = load(pair());
    const vni = linkVni('lab', t.links![0], undefined);
    const n = linkNames(vni);
    const s = sliceHost(t, 'node1', indexLab(t)).topo;
    expect(s.links).toBeUndefined();
    expect(s.bridges).toEqual({ [n.bridge]: {} });
    expect(s.namespaces!.host!.vxlans).toEqual({
      [n.vxlan]: { id: vni, remote: '10.9.0.2', local: '10.9.0.1', dstport: 4789, learning: false, bridge: n.bridge, mtu: 1450 },
    });
    expect(s.veths).toEqual([{ ends: [
      { namespace: 'a', name: 'eth1', addresses: ['10.0.0.1/24'], mtu: 1450 },
      { name: n.peer, bridge: n.bridge, mtu: 1450 },
    ] }]);
    expect(Object.keys(s.namespaces!)).toEqual(['a', 'host']);
  });

  it('node2 gets the mirror image: the same VNI and names, remote and local swapped', () => {
    const t = load(pair());
    const [s1, s2] = ['node1', 'node2'].map((h) => sliceHost(t, h, indexLab(t)).topo);
    const [[name1, v1]] = Object.entries(s1.namespaces!.host!.vxlans!);
    const [[name2, v2]] = Object.entries(s2.namespaces!.host!.vxlans!);
    expect(name2).toBe(name1);
    expect({ ...v2, remote: v1.remote, local: v1.local }).toEqual(v1);
    expect([v2.remote, v2.local]).toEqual(['10.9.0.1', '10.9.0.2']);
    expect(s2.veths![0].ends[0]).toEqual({ namespace: 'b', name: 'eth1', addresses: ['10.0.0.2/24'], mtu: 1450 });
  });

  it('generated names fit 15 characters for any VNI, and name the link by its VNI', () => {
    for (const vni of [1, 4789, 16777215]) {
      for (const name of Object.values(linkNames(vni))) {
        expect(name.length).toBeLessThanOrEqual(15);
        expect(name).toContain(String(vni));
      }
    }
  });

  it('the MTU: the end\'s own, else the link\'s, else the underlay\'s less 50 (1500 unless read on the host), 70 over IPv6', () => {
    const t = load(pair().replace('addresses: [10.0.0.2/24] }', 'addresses: [10.0.0.2/24], mtu: 1400 }').replace('  - ends:', '  - mtu: 1300\n    ends:'));
    const mtus = (h: string, underlay?: { dev: string; mtu: number }) => {
      const s = sliceHost(t, h, indexLab(t), underlay).topo;
      return [s.veths![0].ends[0].mtu, s.veths![0].ends[1].mtu, Object.values(s.namespaces!.host!.vxlans!)[0].mtu];
    };
    expect(mtus('node1')).toEqual([1300, 1300, 1300]);
    expect(mtus('node2')).toEqual([1400, 1400, 1400]);
    const plain = load(pair());
    const mtu = (u?: { dev: string; mtu: number }) => sliceHost(plain, 'node1', indexLab(plain), u).topo.veths![0].ends[0].mtu;
    expect(mtu()).toBe(1450);
    expect(mtu({ dev: 'eth0', mtu: 9000 })).toBe(8950);
    expect(mtu({ dev: 'eth0', mtu: 1400 })).toBe(1350);
    const v6 = load(pair().replace('underlay: 10.9.0.1', 'underlay: fd00::1').replace('underlay: 10.9.0.2', 'underlay: fd00::2'));
    expect(sliceHost(v6, 'node1', indexLab(v6)).topo.veths![0].ends[0].mtu).toBe(1430);
  });

  it('an end with bridge: joins that bridge of its namespace; an end without namespace is in the root namespace', () => {
    const t = load(`${HOSTS}namespaces:
  sw@node1: { bridges: { br0: {} } }
links:
  - vni: 77
    dstport: 8472
    ends:
      - { namespace: sw@node1, name: up1, bridge: br0 }
      - { namespace: host@node2, name: up2, addresses: [10.0.0.2/24] }
`);
    const s1 = sliceHost(t, 'node1', indexLab(t)).topo;
    expect(s1.veths![0].ends[0]).toEqual({ namespace: 'sw', name: 'up1', bridge: 'br0', mtu: 1450 });
    expect(s1.namespaces!.host!.vxlans!['lk-77-vx']).toMatchObject({ id: 77, dstport: 8472 });
    const s2 = sliceHost(t, 'node2', indexLab(t)).topo;
    expect(s2.veths![0].ends[0]).toEqual({ namespace: 'host', name: 'up2', addresses: ['10.0.0.2/24'], mtu: 1450 });
  });

  it("a generated object's place in the slice leads back to its link, an end's field to that end", () => {
    const t = load(pair(`veths:
  - ends: [{ name: v0, namespace: a@node1 }, { name: v1 , namespace: host@node1 }]`));
    const s = sliceHost(t, 'node1', indexLab(t));
    const n = linkNames(linkVni('lab', t.links![0], undefined));
    expect(s.fullPath('/veths/0/ends/0/name')).toBe('/veths/0/ends/0/name');
    expect(s.fullPath('/veths/1/ends/0/addresses/0')).toBe('/links/0/ends/0/addresses/0');
    expect(s.fullPath('/veths/1/ends/1/name')).toBe('/links/0');
    expect(s.fullPath(`/bridges/${n.bridge}`)).toBe('/links/0');
    expect(s.fullPath(`/namespaces/host/vxlans/${n.vxlan}/mtu`)).toBe('/links/0');
    expect(s.fullPath('/namespaces/a')).toBe('/namespaces/a@node1');
  });

  it('a test aimed at the far end\'s namespace by name pings its address, as external to the slice', () => {
    const t = load(pair(`tests:
  - { from: a@node1, ping: b@node2 }`));
    expect(sliceHost(t, 'node1', indexLab(t)).topo.tests).toEqual([{ from: 'a', ping: '10.0.0.2', external: true }]);
  });
});

describe('links: the VNI', () => {
  it('an explicit vni is the VNI', () => {
    const t = load(pair().replace('  - ends:', '  - vni: 4242\n    ends:'));
    expect(linkVni('lab', t.links![0], undefined)).toBe(4242);
  });

  it('a derived VNI depends on the lab and the two ends only: not on their order, nor on the other links', () => {
    const t = load(pair());
    const vni = linkVni('lab', t.links![0], undefined);
    const [e0, e1] = t.links![0].ends!;
    expect(derivedVni('lab', [e1, e0], undefined)).toBe(vni);
    expect(derivedVni('other', [e0, e1], undefined)).not.toBe(vni);
    expect(derivedVni('lab', [e0, { ...e1, name: 'eth2' }], undefined)).not.toBe(vni);
    // A link added before it, then the first removed: the link keeps its VNI and its interfaces' names.
    const more = load(`${HOSTS}namespaces:
  a@node1: {}
  b@node2: {}
  c@node1: {}
links:
  - ends: [{ namespace: c@node1, name: x }, { namespace: b@node2, name: x }]
  - ends:
      - { namespace: a@node1, name: eth1, addresses: [10.0.0.1/24] }
      - { namespace: b@node2, name: eth1, addresses: [10.0.0.2/24] }
`);
    expect(linkVni('lab', more.links![1], undefined)).toBe(vni);
    const names = (topo: Topology) => Object.keys(sliceHost(topo, 'node2', indexLab(topo)).topo.namespaces!.host!.vxlans!);
    expect(names(more)).toContain(linkNames(vni).vxlan);
    expect(names(more)).toHaveLength(2);
    // An end named without @ is on the default host: it hashes as NS@HOST, the same as written with @.
    const local = load(pair().replace('node1: { ssh: root@10.9.0.1,', 'node1: { local: true,').replaceAll('a@node1', 'a'));
    expect(linkVni('lab', local.links![0], 'node1')).toBe(vni);
  });

  it('is in 1..16777215', () => {
    for (let i = 0; i < 200; i++) {
      const v = derivedVni(`l${i}`, [{ name: 'a', namespace: 'x@h1' }, { name: 'b', namespace: 'y@h2' }], undefined);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(0xffffff);
    }
  });
});

describe('links: a routed link in each host\'s slice', () => {
  it('seed 002\'s hand-written routes: each root namespace routes the other\'s bridge subnet via its underlay', () => {
    const routed = example('two-nodes-routed.yaml');
    const byHand = example('two-nodes-ssh.yaml');
    for (const h of ['node1', 'node2']) {
      const s = sliceHost(routed, h, indexLab(routed)).topo;
      const hand = sliceHost(byHand, h, indexLab(byHand)).topo;
      expect(s.namespaces!.host!.routes).toEqual(hand.namespaces!.host!.routes!.map(({ dev: _dev, ...r }) => r));
      expect(s.bridges).toBeUndefined();
      expect(s.veths).toEqual(hand.veths);
    }
    expect(sliceHost(routed, 'node1', indexLab(routed)).fullPath('/namespaces/host/routes/0')).toBe('/links/0');
  });

  it('routes every subnet of the other host\'s root namespace in the underlay\'s family, host addresses left out', () => {
    const t = load(`${HOSTS}namespaces:
  host@node2:
    bridges:
      br0: { addresses: [172.16.1.1/24, 172.16.9.1/24, fd00:1::1/64] }
      br1: { addresses: [192.0.2.7/32] }
  host@node1: { bridges: { br0: { addresses: [172.16.0.1/24] } } }
links:
  - { mode: routed, between: [node2, node1] }
`);
    expect(sliceHost(t, 'node1', indexLab(t)).topo.namespaces!.host!.routes).toEqual([
      { to: '172.16.1.0/24', via: '10.9.0.2' }, { to: '172.16.9.0/24', via: '10.9.0.2' },
    ]);
    expect(sliceHost(t, 'node2', indexLab(t)).topo.namespaces!.host!.routes).toEqual([{ to: '172.16.0.0/24', via: '10.9.0.1' }]);
  });

  it('a file without links: slices exactly as before', () => {
    const t = example('two-nodes-ssh.yaml');
    const s = sliceHost(t, 'node1', indexLab(t)).topo;
    expect(s.namespaces!.host).toEqual(t.namespaces!['host@node1']);
    expect(s.bridges).toBeUndefined();
  });
});

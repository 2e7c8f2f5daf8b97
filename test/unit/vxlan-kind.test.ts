// The vxlan kind inside the pure pipeline (desired → live → diff → order), on kernel output captured on this
// machine (test/fixtures/kernel/vxlan: `ip -json -d link show vx0` of the two-hypervisor lab, `bridge -json fdb
// show dev vx0` with the link's own remote and with static flood entries): what is created and how, what a
// converged endpoint plans (nothing), drift repaired in place, what needs the endpoint made again (VNI, underlay
// deleted), the MTUs a fresh apply gives (the endpoint's and its bridge's), and the read it declares.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IpLink, LiveSnapshot, NsLive } from '../../src/core/live.js';
import { runToolRead } from '../../src/io/read-live.js';
import { linksOf } from '../../src/io/live-shape.js';
import type { RunResult } from '../../src/io/runner.js';
import { desiredOf, intentState, planFrom } from '../../src/kinds/index.js';
import { floodOf, vxlanKind, type VxlanProps } from '../../src/kinds/vxlan.js';
import type { Resource, Topology } from '../../src/model.js';
import { labGraph } from '../../src/render/graph.js';
import { validateText } from '../../src/validate/index.js';
import { bridge, ctxOf, lo, ns, snapshot, veth } from './live-fixtures.js';

const LAB = 'vxlan';
const ALIAS = `topo:${LAB}`;
const ctx = ctxOf({}, LAB);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/kernel/vxlan/${name}`, import.meta.url), 'utf8'));
const example = (name: string): Topology => {
  const r = validateText(readFileSync(new URL(`../../examples/${name}`, import.meta.url)), name);
  if (!r.topo) throw new Error(JSON.stringify(r.problems));
  return r.topo;
};
const load = (text: string): Topology => {
  const r = validateText(text, 'lab.yaml');
  if (!r.topo) throw new Error(JSON.stringify(r.problems));
  return r.topo;
};

/** hv1's vx0 as the kernel printed it (created by the selftest script, so marked here with the lab's alias). */
function vx0(o: Partial<IpLink> & { info?: Record<string, unknown> } = {}): IpLink {
  const [l] = linksOf(fixture('hv1-link-vx0.json'));
  const { info, ...rest } = o;
  const linkinfo = l.linkinfo as { info_data: Record<string, unknown> };
  return { ...l, ifalias: ALIAS, ...rest, linkinfo: { ...linkinfo, info_data: { ...linkinfo.info_data, ...info } } } as IpLink;
}
/** `bridge -json fdb show dev vx0` has no ifname; the namespace-wide read the kind makes has one per entry. */
const fdbOf = (name: string, ifname = 'vx0') => (fixture(name) as object[]).map((e) => ({ ...e, ifname }));

/** hv1 of examples/vxlan.yaml, converged: its underlay u1 (peer u2 in hv2), br0, the guest's port g1 (peer in g1), vx0. */
function hv1(links: IpLink[] = [vx0()], fdb: unknown = fdbOf('hv1-fdb-vx0-unicast-remote.json')): NsLive {
  const addr = { ifalias: ALIAS, addr_info: [{ family: 'inet', local: '192.168.0.1', prefixlen: 24 }] };
  return { ...ns('hv1', [lo(ALIAS), veth('u1', 2, 2, 0, addr), bridge('br0', 3, { mtu: 1450, ifalias: ALIAS }),
    veth('g1', 5, 2, 1, { mtu: 1450, master: 'br0', ifalias: ALIAS }), ...links],
    { nsids: { 0: 'hv2', 1: 'g1' } }), reads: { 'vxlan:fdb': fdb } };
}

/** The whole converged lab of examples/vxlan.yaml, with hv1 as given. */
function lab(h1 = hv1()): LiveSnapshot {
  const addr = (a: string) => ({ ifalias: ALIAS, addr_info: [{ family: 'inet', local: a, prefixlen: 24 }] });
  const hv2vx = vx0({ info: { remote: '192.168.0.1', local: '192.168.0.2', link: 'u2' } });
  const hv2: NsLive = { ...ns('hv2', [lo(ALIAS), veth('u2', 2, 2, 0, addr('192.168.0.2')), bridge('br0', 3, { mtu: 1450, ifalias: ALIAS }),
    veth('g2', 5, 2, 1, { mtu: 1450, master: 'br0', ifalias: ALIAS }), hv2vx], { nsids: { 0: 'hv1', 1: 'g2' } }),
  reads: { 'vxlan:fdb': fdbOf('hv1-fdb-vx0-unicast-remote.json').map((e) => ('dst' in e ? { ...e, dst: '192.168.0.1', viaIf: 'u2' } : e)) } };
  const guest = (n: string, a: string) => ns(n, [lo(ALIAS), veth('eth0', 2, 5, 0, { mtu: 1450, ...addr(a) })], { nsids: { 0: n === 'g1' ? 'hv1' : 'hv2' } });
  return snapshot(ns('host', [lo('')]), h1, hv2, guest('g1', '10.10.0.1'), guest('g2', '10.10.0.2'));
}
/** examples/vxlan.yaml with hv1's vx0 declared as given. */
const withHv1 = (vx0Spec: string) => load(readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8')
  .replace(/vx0: \{ id: 42, remote: 192\.168\.0\.2, [^}]*\}/, `vx0: ${vx0Spec}`));
const vxlanSteps = (t: Topology | undefined, s: LiveSnapshot) => planFrom(t, s, ctx).plan.steps.filter((x) => x.kind === 'vxlan');
const emptySnap = () => snapshot(ns('host', [lo('')]));

describe('vxlan kind: creation', () => {
  it('one `link add` with group, MTU (before `type vxlan`), bridge and up, always a dstport; then the alias', () => {
    const steps = vxlanSteps(example('vxlan.yaml'), emptySnap());
    expect(steps.map((s) => [s.op, s.ns, s.label])).toEqual([['create', 'hv1', 'vx0 VNI 42'], ['create', 'hv2', 'vx0 VNI 42']]);
    const group = String(ctx.lab.group);
    expect(steps[0].cmds).toEqual([
      { ns: 'hv1', tool: 'ip', args: ['link', 'add', 'vx0', 'mtu', '1450', 'group', group, 'master', 'br0', 'up', 'type', 'vxlan', 'id', '42',
        'remote', '192.168.0.2', 'local', '192.168.0.1', 'dstport', '4789', 'dev', 'u1', 'nolearning'],
      undo: [{ ns: 'hv1', tool: 'ip', args: ['link', 'del', 'dev', 'vx0'] }] },
      { ns: 'hv1', tool: 'ip', args: ['link', 'set', 'dev', 'vx0', 'alias', ALIAS] },
    ]);
  });

  it('runs once every interface exists (its underlay may be a veth peer another namespace creates), before its addresses', () => {
    const t = load(`name: vxlan
namespaces:
  a: { vxlans: { vx0: { id: 7, remote: 10.0.0.2, dev: u1, addresses: [10.9.0.1/24] } } }
  b: {}
veths:
  - ends: [{ name: u2, namespace: b, addresses: [10.0.0.2/24] }, { name: u1, namespace: a, addresses: [10.0.0.1/24] }]
`);
    const { steps } = planFrom(t, emptySnap(), ctx).plan;
    const i = (kind: string, label: string) => steps.findIndex((s) => s.kind === kind && s.label.startsWith(label));
    expect(steps[i('veth', 'u1')].cmds[0].ns).toBe('b'); // the underlay in a is created by b's batch
    expect(steps[i('vxlan', 'vx0')].stage).toBe('config');
    expect(i('vxlan', 'vx0')).toBeGreaterThan(i('veth-end', 'u1'));
    expect(i('vxlan', 'vx0')).toBeLessThan(i('address', '10.9.0.1/24'));
  });

  it('appends each flood entry with `bridge fdb append` after the link exists', () => {
    const steps = vxlanSteps(example('vxlan-flood.yaml'), emptySnap());
    expect(steps[0].cmds.slice(2)).toEqual([
      { ns: 'h1', tool: 'bridge', args: ['fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '192.168.0.2'] },
      { ns: 'h1', tool: 'bridge', args: ['fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '192.168.0.3'] },
    ]);
    expect(steps[0].cmds[0].args).not.toContain('remote');
  });

  it('an IPv6 endpoint with flood entries only is made IPv6 with `local ::`, and read back as IPv6 by its entries', () => {
    const t = load('name: lab\nnamespaces:\n  a: { vxlans: { vx0: { id: 5, flood: ["FD00::2"] } } }\n');
    const [s] = vxlanSteps(t, emptySnap());
    expect(s.cmds[0].args.join(' ')).toContain('type vxlan id 5 local :: dstport 4789');
    expect(s.cmds[2].args.join(' ')).toBe('fdb append 00:00:00:00:00:00 dev vx0 dst fd00::2');
    const live = vx0({ mtu: 1500, master: undefined, info: { remote: undefined, local: undefined, link: undefined, learning: true, id: 5 } });
    const a = { ...ns('a', [lo(ALIAS), live]), reads: { 'vxlan:fdb': [{ mac: '00:00:00:00:00:00', ifname: 'vx0', dst: 'fd00::2', flags: ['self'] }] } };
    expect(vxlanSteps(t, snapshot(ns('host', [lo('')]), a))).toEqual([]);
  });

  it('records the endpoint\'s name before `link add` runs (it is marked by its alias only on the next line)', () => {
    const { plan } = planFrom(example('vxlan.yaml'), emptySnap(), ctx);
    expect(intentState(ctx.state, plan).links).toEqual(expect.arrayContaining(['hv1/vx0', 'hv2/vx0']));
  });
});

describe('vxlan kind: reading back', () => {
  it('reads the captured link: VNI, port, addresses, underlay, learning, MTU, bridge, state', () => {
    const [r] = vxlanKind.live(lab(hv1()), ctx);
    expect(r).toMatchObject({ key: 'vxlan:hv1/vx0/42/4789/ipv4', owned: true, parents: ['netns:hv1', 'link:hv1/u1'] });
    expect(r.props).toEqual({
      name: 'vx0', id: 42, port: 4789, family: 4, remote: '192.168.0.2', group: null, local: '192.168.0.1', dev: 'u1', learning: false,
      mtu: 1450, up: true, master: 'br0', alias: ALIAS, flood: [],
    } satisfies VxlanProps);
  });

  it('reads IPv6 endpoints (remote6/local6) as family 6', () => {
    const [l] = linksOf(fixture('link-vx6-ipv6.json'));
    const [r] = vxlanKind.live(snapshot(ns('host', [lo('')]), ns('a', [lo(ALIAS), { ...l, ifalias: ALIAS }])), ctx);
    expect(r.props).toMatchObject({ family: 6, remote: 'fd00::2', local: 'fd00::1', mtu: 1430, up: false });
  });

  it('flood entries: all-zero MAC, the device\'s own, not the entry of its remote (same address, through its dev)', () => {
    expect(floodOf(fdbOf('hv1-fdb-vx0-unicast-remote.json'), 'vx0', '192.168.0.2', 'u1')).toEqual([]);
    expect(floodOf(fdbOf('hv1-fdb-vx0-flood-entries.json'), 'vx0', null, undefined)).toEqual(['192.168.0.2', '192.168.0.3']);
    expect(floodOf(fdbOf('hv1-fdb-vx0-flood-entries.json', 'vx1'), 'vx0', null, undefined)).toEqual([]);
    const hand = [{ mac: '00:00:00:00:00:00', ifname: 'vx0', dst: '10.0.0.5', port: 4790, vni: 7, flags: ['self'] },
      { mac: '00:00:00:00:00:00', ifname: 'vx0', dst: '10.0.0.6', viaIf: 'u1', flags: ['self'] }];
    expect(floodOf(hand, 'vx0', null, 'u1')).toEqual(['10.0.0.5 port 4790 vni 7', '10.0.0.6 via u1']);
    expect(floodOf(undefined, 'vx0', null, undefined)).toBeUndefined(); // not read: not compared
  });

  it('reads the namespaces that declare endpoints, once each, with bridge (iproute2)', async () => {
    const reads = vxlanKind.reads!(example('vxlan.yaml'), ctx);
    expect(reads.map((r) => [r.ns, r.tool, r.args.join(' ')])).toEqual([['hv1', 'bridge', '-json fdb show'], ['hv2', 'bridge', '-json fdb show']]);
    expect(vxlanKind.reads!(load('name: lab\nnamespaces: { a: {} }\n'), ctx)).toEqual([]);
    expect(vxlanKind.reads!(undefined, ctx)).toEqual([]);
    const calls: string[] = [];
    const run = async (argv: string[]): Promise<RunResult> => { calls.push(argv.join(' ')); return { stdout: '[]\n', stderr: '', exitCode: 0 }; };
    expect(await runToolRead(run, reads[0])).toEqual([]);
    expect(calls).toEqual(['bridge -n hv1 -json fdb show']);
  });
});

describe('vxlan kind: planning against the kernel', () => {
  const t = example('vxlan.yaml');

  it('plans nothing for the endpoint the captured link is, nor for the rest of the converged lab', () => {
    expect(vxlanSteps(t, lab())).toEqual([]);
    const whole = planFrom(t, lab(), ctx); // br0's MTU (1450) is its ports' smallest, the tunnel's included
    expect(whole.conflicts).toEqual([]);
    expect(whole.plan.steps).toEqual([]);
  });

  it('changes remote and learning in place, on a `type vxlan` line without dstport; undone with the old values', () => {
    const fdb = fdbOf('hv1-fdb-vx0-unicast-remote.json').map((e) => ('dst' in e ? { ...e, dst: '192.168.0.9' } : e));
    const [s] = vxlanSteps(t, lab(hv1([vx0({ info: { remote: '192.168.0.9', learning: true } })], fdb)));
    expect(s).toMatchObject({ op: 'update', ns: 'hv1', stage: 'config', fields: [['remote', '192.168.0.9', '192.168.0.2'], ['learning', true, false]] });
    expect(s.cmds).toEqual([{
      ns: 'hv1', tool: 'ip', args: ['link', 'set', 'dev', 'vx0', 'type', 'vxlan', 'remote', '192.168.0.2', 'nolearning'],
      undo: [{ ns: 'hv1', tool: 'ip', args: ['link', 'set', 'dev', 'vx0', 'type', 'vxlan', 'remote', '192.168.0.9', 'learning'] }],
    }]);
  });

  it('puts it back on its bridge, up, with its MTU; a remote added by hand to a flood-only endpoint is cleared', () => {
    const [s] = vxlanSteps(t, lab(hv1([vx0({ master: undefined, flags: ['BROADCAST'], mtu: 1400 })])));
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual(['link set dev vx0 mtu 1450 master br0 up']);
    expect(s.cmds[0].undo![0].args.join(' ')).toBe('link set dev vx0 mtu 1400 nomaster down');
    const flood = withHv1('{ id: 42, local: 192.168.0.1, dev: u1, learning: false, bridge: br0, flood: [192.168.0.2] }');
    const live = hv1([vx0({ info: { remote: '192.168.0.2' } })],
      [...fdbOf('hv1-fdb-vx0-unicast-remote.json'), ...fdbOf('hv1-fdb-vx0-flood-entries.json').filter((e) => (e as { dst?: string }).dst === '192.168.0.2')]);
    const [f] = vxlanSteps(flood, lab(live));
    expect(f.fields).toEqual([['remote', '192.168.0.2', null]]);
    expect(f.cmds[0].args.join(' ')).toBe('link set dev vx0 type vxlan remote 0.0.0.0');
  });

  it('adds missing flood entries and deletes others (with the port, VNI and dev they were added with)', () => {
    const t3 = withHv1('{ id: 42, local: 192.168.0.1, dev: u1, learning: false, bridge: br0, flood: [192.168.0.2, 192.168.0.4] }');
    const hand = { mac: '00:00:00:00:00:00', ifname: 'vx0', dst: '10.0.0.5', port: 4790, vni: 7, flags: ['self'], state: 'permanent' };
    const live = hv1([vx0({ info: { remote: undefined } })], [...fdbOf('hv1-fdb-vx0-flood-entries.json'), hand]);
    const [s] = vxlanSteps(t3, lab(live));
    expect(s.fields).toEqual([['flood', '10.0.0.5 port 4790 vni 7, 192.168.0.2, 192.168.0.3', '192.168.0.2, 192.168.0.4']]);
    expect(s.cmds.map((c) => `${c.tool} ${c.args.join(' ')} / ${c.undo![0].args[1]}`)).toEqual([
      'bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.5 port 4790 vni 7 / append',
      'bridge fdb del 00:00:00:00:00:00 dev vx0 dst 192.168.0.3 / append',
      'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.0.4 / del',
    ]);
  });

  it('a new VNI (or port, or family) makes the endpoint again: deleted in the unlink stage, created in config', () => {
    const t43 = load(readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8').replace(/id: 42/g, 'id: 43'));
    const steps = vxlanSteps(t43, lab(hv1()));
    expect(steps.filter((s) => s.ns === 'hv1').map((s) => [s.op, s.label, s.stage])).toEqual([['delete', 'vx0 VNI 42', 'unlink'], ['create', 'vx0 VNI 43', 'config']]);
    expect(steps.find((s) => s.op === 'delete')!.cmds.map((c) => c.args.join(' '))).toEqual(['link del dev vx0']);
  });

  it('a plan that deletes the underlay makes the endpoint again, and a deleted endpoint goes with its underlay', () => {
    // The underlay veth's hv2 end is renamed: the old pair is deleted (both ends), which takes both hypervisors'
    // endpoints with it (no command of their own), so both are created again; destroy lets the namespaces take all.
    const renamed = load(readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8').replace(/\bu2\b/g, 'w2'));
    const s = lab();
    const steps = planFrom(renamed, s, ctx).plan.steps;
    expect(steps.filter((x) => x.kind === 'veth' && x.label.startsWith('u1@')).map((x) => [x.op, x.label])).toEqual([['delete', 'u1@hv1 <-> u2@hv2'], ['create', 'u1@hv1 <-> w2@hv2']]);
    expect(steps.filter((x) => x.kind === 'vxlan').map((x) => [x.op, x.ns])).toEqual([['create', 'hv1'], ['create', 'hv2']]);
    // hv1's vx0 now over w1: the old underlay takes it; created again, with no delete of its own.
    const both = load(readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8').replace(/\bu2\b/g, 'w2').replace(/\bu1\b/g, 'w1'));
    const p = planFrom(both, s, ctx).plan;
    expect(p.steps.filter((x) => x.kind === 'vxlan' && x.ns === 'hv1').map((x) => x.op)).toEqual(['create']);
    expect(p.steps.filter((x) => x.kind === 'vxlan' && x.ns === 'hv1')[0].cmds[0].args).toContain('w1');
    const destroy = planFrom(undefined, s, ctxOf({ namespaces: ['hv1', 'hv2'] }, LAB)).plan;
    expect(destroy.steps.filter((x) => x.kind === 'vxlan')).toEqual([]);
    expect(destroy.subsumed.filter((x) => x.kind === 'vxlan').map((x) => x.ns)).toEqual(['hv1', 'hv2']);
  });

  it('an endpoint removed from the file is deleted; when its underlay is deleted too, it goes along with it', () => {
    const text = readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8').replace(/ {4}vxlans:\n.*\n/g, '');
    const s = lab(hv1());
    expect(vxlanSteps(load(text), s).map((x) => [x.op, x.ns, x.cmds.map((c) => c.args.join(' '))])).toEqual([
      ['delete', 'hv1', ['link del dev vx0']], ['delete', 'hv2', ['link del dev vx0']]]);
    const p = planFrom(load(text.replace(/\bu1\b/g, 'w1')), s, ctx).plan;
    expect(p.steps.filter((x) => x.kind === 'vxlan')).toEqual([]);
    // Deleting one end of the underlay veth deletes the other: both hypervisors' endpoints go along.
    expect(p.subsumed.filter((x) => x.kind === 'vxlan').map((x) => [x.op, x.ns])).toEqual([['delete', 'hv1'], ['delete', 'hv2']]);
  });
});

describe('vxlan kind: MTUs a fresh apply gives', () => {
  const mtus = (text: string) => Object.fromEntries(desiredOf(load(text), ctx).filter((r) => r.kind === 'vxlan' || r.kind === 'bridge')
    .map((r: Resource) => [`${r.kind} ${r.ns}/${r.label.split(' ')[0]}`, (r.props as { mtu?: number }).mtu]));

  it('the underlay\'s less 50 (IPv4) or 70 (IPv6), 1500 without an underlay; a bridge follows its smallest port, the endpoint included', () => {
    expect(mtus(`name: lab
namespaces:
  a:
    bridges: { br0: {} }
    vxlans:
      v4: { id: 1, remote: 10.0.0.2, dev: u1, bridge: br0 }
      v6: { id: 2, remote: fd00::2, dev: u1 }
      none: { id: 3, remote: 10.0.0.2 }
      set: { id: 4, remote: 10.0.0.2, dev: u1, mtu: 1400 }
veths:
  - ends: [{ name: u1, namespace: a, mtu: 9000, addresses: [10.0.0.1/24, fd00::1/64] }, { name: u2 }]
  - ends: [{ name: g1, namespace: a, bridge: br0 }, { name: g2 }]
`)).toEqual({ 'bridge a/br0': 1500, 'vxlan a/v4': 8950, 'vxlan a/v6': 8930, 'vxlan a/none': 1500, 'vxlan a/set': 1400 });
    expect(mtus(readFileSync(new URL('../../examples/vxlan.yaml', import.meta.url), 'utf8').replace(/, mtu: 1450/g, ''))).toMatchObject({
      'bridge hv1/br0': 1450, 'vxlan hv1/vx0': 1450,
    });
  });
});

describe('vxlan kind: graph and show', () => {
  it('draws the endpoints of one VNI as one wire and each endpoint\'s bridge port once, also when it is alone', () => {
    const edges = (t: Topology) => labGraph(t).edges.map((e) => e.kind === 'wire' ? e.label : e.kind);
    const count = (xs: (string | undefined)[], x: string) => xs.filter((y) => y === x).length;
    const three = edges(example('vxlan-flood.yaml'));
    expect(count(three, 'VNI 100')).toBe(2); // from the first endpoint to each other
    expect(count(three, 'port')).toBe(9); // 3 hypervisors on the fabric switch, 3 guests, 3 endpoints: each once
    const alone = edges(load('name: lab\nnamespaces:\n  a: { bridges: { br0: {} }, vxlans: { vx0: { id: 1, remote: 10.0.0.2, bridge: br0 } } }\n'));
    expect(alone).toEqual(['port']);
    const g = labGraph(example('vxlan.yaml'));
    expect(g.namespaces.find((n) => n.name === 'hv1')!.notes).toEqual(['vx0: VNI 42 to 192.168.0.2']);
  });

  it('topo show: state, MTU, where it sends, underlay and bridge', () => {
    const [r] = vxlanKind.live(lab(), ctx);
    expect(`${r.label}${vxlanKind.show!.detail!(r)}`).toBe('vx0 VNI 42 up mtu 1450 remote 192.168.0.2 dev u1 on br0');
  });
});

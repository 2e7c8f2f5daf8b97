// The macvlan kind inside the pure pipeline, on labs captured from the kernel (test/fixtures/kernel/macvlan/labs):
// what it reads back (mode, the parent through link_index and the nsids it asks for), that a converged lab plans
// nothing, the commands that create, change and delete it and their stages, and what re-creating a parent does.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KindContext } from '../../src/core/kind.js';
import { labIdentity } from '../../src/core/lab.js';
import type { LiveSnapshot, NsLive } from '../../src/core/live.js';
import { emptyState, type StateRecord } from '../../src/core/state.js';
import { rollbackCommands } from '../../src/io/execute.js';
import { docsByLine, LINKS, NSIDS, ROUTES, shapeRead } from '../../src/io/ip-reads.js';
import { nsidsNeeded, planFrom } from '../../src/kinds/index.js';
import { macvlanKind } from '../../src/kinds/macvlan.js';
import { HOST, type Plan, type Topology } from '../../src/model.js';
import { labGraph } from '../../src/render/graph.js';
import { visibleSteps } from '../../src/render/plan.js';
import { validateText } from '../../src/validate/index.js';
import { ROOT } from '../helpers/sandbox.js';

const LABS = join(ROOT, 'test/fixtures/kernel/macvlan/labs');

/** A captured lab: its file (canonical, as validation returns it), its state record, the snapshot as topo reads it. */
function captured(name: string, file: string) {
  const dir = join(LABS, name);
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as StateRecord;
  const ns: Record<string, NsLive> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && x !== 'state.json')) {
    const name = f.replace(/\.json$/, '');
    const reads = [LINKS, ROUTES, NSIDS];
    const read = shapeRead(reads, docsByLine(readFileSync(join(dir, f), 'utf8'), reads.map((r) => r.line), ['ip', '-batch']));
    ns[name] = { name, ...read, sysctls: {}, ...(name === HOST ? {} : { identity: state.namespaceIds?.[name] }) };
  }
  // The lab's link group: the one its interfaces were made in.
  const group = Number(Object.values(ns).flatMap((n) => n.links).find((l) => l.ifalias === `topo:${state.lab}` && /^\d+$/.test(l.group ?? ''))!.group);
  const ctx: KindContext = { lab: labIdentity(state.lab, group), state: { ...emptyState(state.lab), ...state } };
  const snap: LiveSnapshot = { netns: Object.keys(ns).filter((n) => n !== HOST), ns };
  const v = validateText(readFileSync(file, 'utf8'), file);
  if (!v.topo) throw new Error(JSON.stringify(v.problems));
  return { topo: v.topo, ctx, snap };
}

const example = () => captured('example', join(ROOT, 'examples/macvlan.yaml'));
const mvmix = () => captured('mvmix', join(LABS, 'mvmix/lab.yaml'));

/** The snapshot as read-live first has it: nsids in the host only (the others only where a kind asks). */
const hostNsidsOnly = (s: LiveSnapshot): LiveSnapshot =>
  ({ ...s, ns: Object.fromEntries(Object.entries(s.ns).map(([k, n]) => [k, k === HOST ? n : { ...n, nsids: undefined }])) });

/** The same snapshot with the file changed. */
const edit = (t: Topology, f: (t: Topology) => void): Topology => { const c = structuredClone(t); f(c); return c; };

/** "stage op kind label: commands" of the visible steps; each command with its stage when it has its own. */
const lines = (p: Plan) => visibleSteps(p).map((s) => `${s.stage} ${s.op} ${s.kind} ${s.label}@${s.ns}: ${s.cmds.map((c) =>
  `[${c.ns}${c.stage ? ` ${c.stage}` : ''}] ${c.args.join(' ')}`).join('; ')}`);

const macvlanKeys = (s: LiveSnapshot, ctx: KindContext) => macvlanKind.live(s, ctx).map((r) => r.key).sort();

describe('macvlan kind: read back', () => {
  it('asks for the nsids of the namespaces holding a lab macvlan whose parent is elsewhere, and of no other', () => {
    const { snap, ctx } = example();
    expect(macvlanKind.nsidsNeeded!(hostNsidsOnly(snap), ctx).sort()).toEqual(['blue', 'red']);
    expect(nsidsNeeded(hostNsidsOnly(snap), ctx).sort()).toEqual(['blue', 'red']);
    expect(nsidsNeeded(snap, ctx)).toEqual([]); // read already
    const m = mvmix();
    // sw/local0's parent is in sw (read by name); host/hmv's through the host's nsids, always read.
    expect(macvlanKind.nsidsNeeded!(hostNsidsOnly(m.snap), m.ctx).sort()).toEqual(['c', 'h']);
  });

  it('finds each parent: by nsid in another namespace, by name in its own, an nsid without a name is the host', () => {
    expect(macvlanKeys(example().snap, example().ctx)).toEqual([
      'macvlan:blue/mv0 on switch/uplink', 'macvlan:red/mv0 on switch/uplink']);
    const m = mvmix();
    expect(macvlanKind.live(m.snap, m.ctx).map((r) => [r.key, r.props, r.parents]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['macvlan:c/pt0 on sw/q0 passthru', { parent: { ns: 'sw', name: 'q0' }, mode: 'passthru', mtu: 1500, mac: '4a:11:42:5c:88:95', up: true, alias: 'topo:mvmix' },
        ['netns:c', 'netns:sw', 'link:sw/q0']],
      ['macvlan:h/hm0 on host/hostnic', { parent: { ns: 'host', name: 'hostnic' }, mode: 'private', mtu: 1400, mac: '02:00:00:00:0a:01', up: true, alias: 'topo:mvmix' },
        ['netns:h', 'netns:host', 'link:host/hostnic']],
      ['macvlan:host/hmv on sw/p0', { parent: { ns: 'sw', name: 'p0' }, mode: 'bridge', mtu: 1500, mac: 'e2:16:2a:42:58:12', up: false, alias: 'topo:mvmix' },
        ['netns:host', 'netns:sw', 'link:sw/p0']],
      ['macvlan:sw/local0 on sw/p0', { parent: { ns: 'sw', name: 'p0' }, mode: 'vepa', mtu: 1500, mac: 'd6:96:80:9c:8b:2d', up: true, alias: 'topo:mvmix' },
        ['netns:sw', 'link:sw/p0']],
    ]);
  });

  it('a parent it can\'t name (nsids not read) reads as "?": never the declared one', () => {
    const { snap, ctx } = example();
    expect(macvlanKeys(hostNsidsOnly(snap), ctx)).toEqual(['macvlan:blue/mv0 on ?/?', 'macvlan:red/mv0 on ?/?']);
  });

  it('a macvlan without the lab\'s mark is not the lab\'s: its name is a conflict, never touched', () => {
    const { topo, snap, ctx } = example();
    const red = snap.ns.red;
    const stranger: LiveSnapshot = { ...snap, ns: { ...snap.ns, red: { ...red, links: red.links.map((l) => (l.ifname === 'mv0' ? { ...l, ifalias: undefined, group: 'default' } : l)) } } };
    expect(macvlanKeys(stranger, ctx)).toEqual(['macvlan:blue/mv0 on switch/uplink']);
    const { plan, conflicts } = planFrom(topo, stranger, ctx);
    expect(conflicts.map((c) => [c.key, c.holder])).toEqual([['macvlan:red/mv0 on switch/uplink', 'interface mv0 in red']]);
    expect(visibleSteps(plan).filter((s) => s.kind === 'macvlan')).toEqual([]);
  });
});

describe('macvlan kind: planning', () => {
  it('a captured lab plans nothing (the example, and parents in its own namespace, the host\'s, passthru, a macvlan in the host)', () => {
    for (const { topo, snap, ctx } of [example(), mvmix()]) {
      const { plan, conflicts } = planFrom(topo, snap, ctx);
      expect(conflicts).toEqual([]);
      expect(lines(plan)).toEqual([]);
    }
  });

  it('creates it in its parent\'s namespace in the stacked stage, straight into its own; alias and up there in config', () => {
    const { topo, ctx } = example();
    const host = example().snap.ns.host;
    const plan = planFrom(topo, { netns: [], ns: { host } }, ctx).plan;
    const g = ctx.lab.group;
    expect(lines(plan).filter((l) => l.includes(' macvlan '))).toEqual([
      `stacked create macvlan mv0@red: [switch] link add link uplink name mv0 netns red group ${g} type macvlan mode bridge; [red config] link set dev mv0 alias topo:macvlan up`,
      `stacked create macvlan mv0@blue: [switch] link add link uplink name mv0 netns blue group ${g} type macvlan mode bridge; [blue config] link set dev mv0 alias topo:macvlan up`,
    ]);
    const step = plan.steps.find((s) => s.kind === 'macvlan')!;
    expect(step.cmds[0].undo).toEqual([{ ns: 'red', tool: 'ip', args: ['link', 'del', 'dev', 'mv0'] }]);
    // After the veth that makes its parent (in far's batch: another namespace), before red's addresses.
    const at = (kind: string, ns: string) => plan.steps.findIndex((s) => s.kind === kind && s.ns === ns);
    expect(at('veth', 'far')).toBeLessThan(at('macvlan', 'red'));
    expect(at('macvlan', 'red')).toBeLessThan(at('address', 'red'));
    // A rollback deletes it only if its parent stays: made in the same run, the parent takes it along.
    const ran = plan.steps.flatMap((s) => s.cmds.map((cmd) => ({ step: s, cmd })));
    expect(rollbackCommands(ran).filter((it) => it.step.kind === 'macvlan')).toEqual([]);
    const parentKept = ran.filter((it) => it.step.kind === 'macvlan');
    expect(rollbackCommands(parentKept).map((it) => `${it.cmd.ns}: ${it.cmd.args.join(' ')}`)).toEqual(['blue: link del dev mv0', 'red: link del dev mv0']);
  });

  it('in its parent\'s namespace, or in the host: options on the `link add`, the rest right after it', () => {
    const { topo, ctx, snap } = mvmix();
    const host = { ...snap.ns.host, links: snap.ns.host.links.filter((l) => l.ifname !== 'hmv') }; // hostnic only
    const plan = planFrom(topo, { netns: [], ns: { host } }, ctx).plan;
    const g = ctx.lab.group;
    expect(lines(plan).filter((l) => l.includes(' macvlan '))).toEqual([
      `stacked create macvlan local0@sw: [sw] link add link p0 name local0 group ${g} type macvlan mode vepa; [sw] link set dev local0 alias topo:mvmix up`,
      `stacked create macvlan pt0@c: [sw] link add link q0 name pt0 netns c group ${g} type macvlan mode passthru; [c config] link set dev pt0 alias topo:mvmix up`,
      `stacked create macvlan hm0@h: [host] link add link hostnic name hm0 netns h mtu 1400 address 02:00:00:00:0a:01 group ${g} type macvlan mode private; [h config] link set dev hm0 alias topo:mvmix up`,
      `stacked create macvlan hmv@host: [sw] link add link p0 name hmv netns @host-pid group ${g} type macvlan mode bridge; [host config] link set dev hmv alias topo:mvmix`,
    ]);
  });

  it('repairs mode, MTU, MAC, state and mark in place, in its namespace, undone by the live values', () => {
    const { topo, ctx, snap } = mvmix();
    const h = snap.ns.h;
    const drifted: LiveSnapshot = { ...snap, ns: { ...snap.ns, h: { ...h, links: h.links.map((l) => (l.ifname !== 'hm0' ? l : {
      ...l, mtu: 1300, address: '02:00:00:00:0a:09', flags: ['BROADCAST', 'MULTICAST'], linkinfo: { info_kind: 'macvlan', info_data: { mode: 'vepa' } },
    })) } } };
    const steps = visibleSteps(planFrom(topo, drifted, ctx).plan);
    expect(steps.map((s) => [s.stage, s.op, s.label, s.fields])).toEqual([['config', 'update', 'hm0',
      [['mode', 'vepa', 'private'], ['mtu', 1300, 1400], ['mac', '02:00:00:00:0a:09', '02:00:00:00:0a:01'], ['up', false, true]]]]);
    expect(steps[0].cmds).toEqual([{ ns: 'h', tool: 'ip', args: ['link', 'set', 'dev', 'hm0', 'mtu', '1400', 'address', '02:00:00:00:0a:01', 'up', 'type', 'macvlan', 'mode', 'private'],
      undo: [{ ns: 'h', tool: 'ip', args: ['link', 'set', 'dev', 'hm0', 'mtu', '1300', 'address', '02:00:00:00:0a:09', 'down', 'type', 'macvlan', 'mode', 'vepa'] }] }]);
  });

  it('a new parent, or passthru on or off, makes it again: deleted in the unstack stage, created in the stacked one', () => {
    const { topo, ctx, snap } = example();
    const moved = edit(topo, (t) => {
      t.namespaces!.red!.macvlans!.mv0.parent = { name: 'eth0', namespace: 'far' };
      t.namespaces!.blue!.macvlans!.mv0.mode = 'private';
    });
    expect(lines(planFrom(moved, snap, ctx).plan)).toEqual([
      'unstack delete macvlan mv0@red: [red] link del dev mv0',
      `stacked create macvlan mv0@red: [far] link add link eth0 name mv0 netns red group ${ctx.lab.group} type macvlan mode bridge; [red config] link set dev mv0 alias topo:macvlan up`,
      'config update macvlan mv0@blue: [blue] link set dev mv0 type macvlan mode private',
      'config create address 10.1.0.11/24 on mv0@red: [red] addr add 10.1.0.11/24 dev mv0', // went with it
    ]);
    const passthru = edit(topo, (t) => { delete t.namespaces!.blue!.macvlans; t.namespaces!.red!.macvlans!.mv0.mode = 'passthru'; });
    expect(lines(planFrom(passthru, snap, ctx).plan).filter((l) => l.includes('mv0@red'))).toEqual([
      'unstack delete macvlan mv0@red: [red] link del dev mv0',
      `stacked create macvlan mv0@red: [switch] link add link uplink name mv0 netns red group ${ctx.lab.group} type macvlan mode passthru; [red config] link set dev mv0 alias topo:macvlan up`,
      'config create address 10.1.0.11/24 on mv0@red: [red] addr add 10.1.0.11/24 dev mv0',
    ]);
  });

  it('a parent the plan re-creates takes its macvlans along: they are made again after it, with nothing to delete', () => {
    const { topo, ctx, snap } = example();
    // The parent's veth gets a new peer name: the pair is deleted and made again, and with it uplink.
    const renamed = edit(topo, (t) => { t.veths![0].ends[0].name = 'eth1'; });
    const steps = visibleSteps(planFrom(renamed, snap, ctx).plan).filter((x) => x.kind === 'macvlan' || x.kind === 'veth');
    expect(steps.map((x) => `${x.stage} ${x.op} ${x.kind} ${x.label}`)).toEqual([
      'unlink delete veth eth0@far <-> uplink@switch',
      'links create veth eth1@far <-> uplink@switch',
      'stacked create macvlan mv0',
      'stacked create macvlan mv0',
    ]);
  });

  it('removed from the file: deleted before the interfaces (unstack); with its parent or its namespace: goes along', () => {
    const { topo, ctx, snap } = example();
    const noRed = edit(topo, (t) => { delete t.namespaces!.red!.macvlans; });
    expect(lines(planFrom(noRed, snap, ctx).plan)).toEqual(['unstack delete macvlan mv0@red: [red] link del dev mv0']);
    // The parent's veth removed too (and the addresses of far, on its other end): the macvlans need no command.
    const noParent = edit(topo, (t) => { t.namespaces = { far: {}, switch: {}, red: {}, blue: {} }; t.veths = []; t.tests = []; });
    const p = planFrom(noParent, snap, ctx).plan;
    expect(lines(p).filter((x) => x.includes('macvlan'))).toEqual([]);
    expect(p.subsumed.filter((c) => c.kind === 'macvlan').map((c) => c.key)).toEqual(['macvlan:blue/mv0 on switch/uplink', 'macvlan:red/mv0 on switch/uplink']);
    // Destroy: the namespaces go whole.
    const d = planFrom(undefined, snap, { ...ctx, state: { ...ctx.state } }).plan;
    expect(visibleSteps(d).filter((s) => s.kind === 'macvlan')).toEqual([]);
    expect(d.subsumed.filter((c) => c.kind === 'macvlan')).toHaveLength(2);
  });

  it('`topo show` says where it hangs and how', () => {
    const { ctx, snap } = mvmix();
    const shown = macvlanKind.live(snap, ctx).map((r) => `${r.label}${macvlanKind.show!.detail!(r)}`).sort();
    expect(shown).toEqual(['hm0 on hostnic@host mode private up mtu 1400', 'hmv on p0@sw mode bridge down mtu 1500',
      'local0 on p0 mode vepa up mtu 1500', 'pt0 on q0@sw mode passthru up mtu 1500']);
  });
});

describe('macvlan kind: graph', () => {
  it('wires each macvlan to its parent, labelled macvlan (the parent\'s own wire stays a veth)', () => {
    const g = labGraph(example().topo);
    const name = (id: string) => { const n = g.nodes.find((x) => x.id === id)!; return `${n.name}@${n.ns}`; };
    expect(g.edges.map((e) => `${name(e.a)} -${e.label}- ${name(e.b)}`)).toEqual([
      'eth0@far -veth- uplink@switch', 'uplink@switch -macvlan- mv0@red', 'uplink@switch -macvlan- mv0@blue']);
  });
});

// The nftables kind (the lab's table; its NAT rules here) inside the pure pipeline: planned against synthetic snapshots (desired → live → diff → order),
// its ownership rules, the state record, and its declared read: `nft` only where the lab has NAT.
import { describe, expect, it } from 'vitest';
import type { KindContext } from '../../src/core/kind.js';
import { labIdentity } from '../../src/core/lab.js';
import type { LiveSnapshot, NsLive } from '../../src/core/live.js';
import { finalState, intentState, planFrom } from '../../src/kinds/index.js';
import { emptyState, type StateRecord } from '../../src/core/state.js';
import { natSection } from '../../src/kinds/nat-rules.js';
import { labTableName, tableScript } from '../../src/kinds/nft-table.js';
import { nftablesKind } from '../../src/kinds/nftables.js';
import { runToolRead } from '../../src/io/read-live.js';
import type { RunResult } from '../../src/io/runner.js';
import type { NatSpec, Topology } from '../../src/model.js';

const LAB = 'lab';
const desiredTable = (lab: string, nat: NatSpec) => ({ table: labTableName(lab), chains: natSection.chains({ nat })!, others: [] });
const ALIAS = `topo:${LAB}`;
const NAT = { masquerade: [{ out: 'wan' }], forward: [{ in: 'wan', proto: 'tcp' as const, port: 80, to: '10.0.0.2' }] };
const topo = (ns: string, nat: NatSpec | undefined): Topology => ({ name: LAB, namespaces: { [ns]: nat ? { nat } : {} } });
const ctx = (state: Partial<StateRecord> = {}): KindContext => ({ lab: labIdentity(LAB), state: { ...emptyState(LAB), ...state } });

/** nft -j output of a table holding these rules (the shape nft 1.0.6 prints). */
function nftJson(rules: { chain: string; expr: unknown[] }[], table = `topo-${LAB}`) {
  return { nftables: [
    { metainfo: { version: '1.0.6' } }, { table: { family: 'inet', name: table } },
    { chain: { family: 'inet', table, name: 'postrouting', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } },
    { chain: { family: 'inet', table, name: 'prerouting', type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } },
    ...rules.map((r) => ({ rule: { family: 'inet', table, ...r } })),
  ] };
}
const MASQ = { chain: 'postrouting', expr: [{ match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'wan' } }, { masquerade: null }] };
const DNAT = { chain: 'prerouting', expr: [
  { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'wan' } },
  { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 80 } },
  { dnat: { family: 'ip', addr: '10.0.0.2' } }] };
const HAND = { chain: 'prerouting', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.9.9.9' } }, { counter: null }] };

function nsLive(name: string, nft?: unknown, marked = true): NsLive {
  const lo = { ifindex: 1, ifname: 'lo', flags: ['UP'], ...(marked && name !== 'host' ? { ifalias: ALIAS } : {}) };
  return { name, links: [lo], routes: [], sysctls: {}, nsids: {}, reads: nft === undefined ? {} : { 'nftables:nft': nft } };
}
const snap = (...ns: NsLive[]): LiveSnapshot => ({ netns: ns.map((n) => n.name).filter((n) => n !== 'host'), ns: Object.fromEntries(ns.map((n) => [n.name, n])) });
const natSteps = (t: Topology | undefined, s: LiveSnapshot, c = ctx()) => planFrom(t, s, c).plan.steps.filter((x) => x.kind === 'nftables');

describe('nftables kind: planning', () => {
  it('creates the table with one `nft -f -` in the config stage, after the sysctls, undone by deleting it', () => {
    const p = planFrom(topo('r', NAT), snap(nsLive('host')), ctx()).plan;
    const step = p.steps.find((s) => s.kind === 'nftables')!;
    expect(step).toMatchObject({ op: 'create', ns: 'r', stage: 'config', label: 'table inet topo-lab' });
    expect(step.rank).toBeGreaterThan(p.steps.find((s) => s.kind === 'loopback')!.rank);
    expect(step.cmds).toEqual([{
      ns: 'r', tool: 'nft', args: ['-f', '-'], input: tableScript(desiredTable(LAB, NAT), false),
      undo: [{ ns: 'r', tool: 'nft', args: ['delete', 'table', 'inet', 'topo-lab'] }],
    }]);
  });

  it('has nothing to do when the live table holds exactly the declared rules', () => {
    expect(natSteps(topo('r', NAT), snap(nsLive('host'), nsLive('r', nftJson([MASQ, DNAT]))))).toEqual([]);
  });

  it('repairs a rule deleted and a rule added by hand: replaces the table, the undo puts the live one back', () => {
    const [step] = natSteps(topo('r', NAT), snap(nsLive('host'), nsLive('r', nftJson([DNAT, HAND]))));
    expect(step.op).toBe('update');
    expect(step.fields).toEqual([['postrouting', undefined, 'oifname "wan" masquerade'], ['prerouting', 'ip daddr 10.9.9.9 counter', undefined]]);
    expect(step.cmds[0].input).toBe(tableScript(desiredTable(LAB, NAT), true));
    expect(step.cmds[0].undo![0].input).toContain('\t\tip daddr 10.9.9.9 counter\n');
    expect(step.cmds[0].undo![0].input).not.toContain('masquerade');
  });

  it('deletes the table when `nat:` is removed from the file', () => {
    const [step] = natSteps(topo('r', undefined), snap(nsLive('host'), nsLive('r', nftJson([MASQ]))), ctx({ nat: ['r'] }));
    expect(step.op).toBe('delete');
    expect(step.cmds.map((c) => c.args)).toEqual([['delete', 'table', 'inet', 'topo-lab']]);
    expect(step.cmds[0].undo![0].input).toContain('oifname "wan" masquerade');
  });

  it('lets a lab namespace take its table along on destroy, but deletes the host table explicitly', () => {
    const s = snap(nsLive('host', nftJson([MASQ])), nsLive('r', nftJson([MASQ])));
    const p = planFrom(undefined, s, ctx({ namespaces: ['r'], nat: ['host', 'r'] })).plan;
    expect(p.steps.filter((x) => x.kind === 'nftables').map((x) => [x.op, x.ns])).toEqual([['delete', 'host']]);
    expect(p.subsumed.filter((x) => x.kind === 'nftables').map((x) => x.ns)).toEqual(['r']);
  });

  it('owns a host table only when the state record says so; otherwise declaring NAT there is a conflict', () => {
    const s = snap(nsLive('host', nftJson([MASQ])));
    expect(planFrom(topo('host', NAT), s, ctx()).conflicts.map((c) => c.label)).toEqual(['table inet topo-lab']);
    expect(planFrom(undefined, s, ctx()).plan.steps).toEqual([]); // never deleted when not owned
    expect(planFrom(topo('host', NAT), s, ctx({ nat: ['host'] })).conflicts).toEqual([]);
  });

  it('does not own a table in a namespace that is not the lab\'s', () => {
    const s = snap(nsLive('host'), nsLive('other', nftJson([MASQ]), false));
    expect(planFrom(undefined, s, ctx()).plan.steps).toEqual([]);
  });
});

describe('nftables kind: state record', () => {
  it('records the namespaces with a table before apply runs, and exactly the declared ones after', () => {
    const c = ctx({ nat: ['old'] });
    const { plan, desired } = planFrom(topo('host', NAT), snap(nsLive('host')), c);
    const intent = intentState(c.state, plan);
    expect(intent.nat).toEqual(['host', 'old']);
    expect(finalState(intent, desired).nat).toEqual(['host']);
  });
});

describe('nftables reader', () => {
  const fake = (answer: (argv: string[]) => RunResult) => {
    const calls: string[] = [];
    return { calls, run: async (argv: string[]) => { calls.push(argv.join(' ')); return answer(argv); } };
  };
  const ok = (o: unknown): RunResult => ({ stdout: JSON.stringify(o), stderr: '', exitCode: 0 });

  it('reads nothing for a lab without NAT', () => {
    expect(nftablesKind.reads!(topo('r', undefined), ctx())).toEqual([]);
  });

  it('runs nft only in namespaces that declare NAT or are recorded with a table', async () => {
    const f = fake(() => ok(nftJson([MASQ])));
    const reads = nftablesKind.reads!(topo('r', NAT), ctx({ nat: ['host'] }));
    expect(reads.map((r) => r.ns)).toEqual(['r', 'host']);
    expect(await runToolRead(f.run, reads[0])).toEqual(nftJson([MASQ]));
    await runToolRead(f.run, reads[1]);
    expect(f.calls).toEqual(['ip netns exec r nft -j list table inet topo-lab', 'nft -j list table inet topo-lab']);
  });

  it('reads a missing table as none, and says which package provides a missing nft', async () => {
    const [read] = nftablesKind.reads!(topo('r', NAT), ctx());
    const none = fake(() => ({ stdout: '', stderr: 'Error: No such file or directory\nlist table inet topo-lab\n', exitCode: 1 }));
    expect(await runToolRead(none.run, read)).toBeUndefined();
    const missing = fake(() => ({ stdout: '', stderr: 'exec of "nft" failed: No such file or directory\n', exitCode: 255 }));
    await expect(runToolRead(missing.run, read)).rejects.toMatchObject({ code: 'E_NFT_MISSING', details: { hint: expect.stringContaining('nftables') } });
  });
});

// The rule kind inside the pure pipeline, on what the kernel printed (test/fixtures/kernel/rule-kind, captured by
// its capture.sh): which live rules are the lab's, how they compare with the file, the commands (IPv4 batched,
// IPv6 through `ip -6`), the state record, and the reads it declares.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KindContext } from '../../src/core/kind.js';
import type { NsLive } from '../../src/core/live.js';
import { argvOf, batchLine } from '../../src/core/commands.js';
import { finalState, intentState, planFrom } from '../../src/kinds/index.js';
import { ruleKind, type RuleSpec } from '../../src/kinds/rule.js';
import { kindIpReads } from '../../src/ops/observe.js';
import { nsReads } from '../../src/io/ip-reads.js';
import { routeKind } from '../../src/kinds/route.js';
import { routesOf } from '../../src/io/live-shape.js';
import { resolveLab } from '../../src/core/lab-model.js';
import type { Resource, Topology } from '../../src/model.js';
import { LAB, ctxOf, emptyHost, lo, ns, snapshot } from './live-fixtures.js';

const FIX = join(import.meta.dirname, '../fixtures/kernel/rule-kind');
const V4 = JSON.parse(readFileSync(join(FIX, 'v4-batch.json'), 'utf8')) as unknown[];
const V6 = JSON.parse(readFileSync(join(FIX, 'v6-read.json'), 'utf8')) as unknown[];

/** A namespace as read: its IPv4 rules among the batch's documents (ipDocs), IPv6 ones among its tool reads. */
function withRules(n: NsLive, v4: unknown = V4, v6?: unknown): NsLive {
  return { ...n, ipDocs: { 'rule:4': v4 }, reads: v6 === undefined ? {} : { 'rule:6': v6 } };
}
const R = (v4: unknown = V4, v6?: unknown) => withRules(ns('R', [lo()]), v4, v6);
const topo = (rules: RuleSpec[], nsName = 'R'): Topology => ({ name: LAB, tables: { wan1: 100, wan2: 101 }, namespaces: { [nsName]: { rules } } });
const live = (ctx: KindContext, ...n: NsLive[]) => ruleKind.live(snapshot(emptyHost(), ...n), ctx);
const steps = (t: Topology | undefined, n: NsLive, ctx = ctxOf()) => planFrom(t, snapshot(emptyHost(), n), ctx).plan.steps.filter((s) => s.kind === 'rule');
const text = (t: Topology | undefined, n: NsLive, ctx = ctxOf()) =>
  steps(t, n, ctx).map((s) => `${s.op} ${s.key}: ${s.cmds.map((c) => `${c.tool} ${c.args.join(' ')}`).join('; ')}`);

/** The file that declares what the fixtures hold (each rule as capture.sh added it). */
const DECLARED: RuleSpec[] = [
  { priority: 100, from: '10.0.1.2', table: 'wan1' },
  { priority: 101, from: '10.0.2.0/24', to: '192.0.2.0/24', table: 'wan2' },
  { priority: 102, iif: 'up1', oif: 'up2', fwmark: '0x10/0xff', table: 100 },
  { priority: 103, fwmark: 7, goto: 110 },
  { priority: 104, to: '198.51.100.0/24', action: 'blackhole' },
  { priority: 105, to: '198.51.101.0/24', action: 'unreachable' },
  { priority: 106, to: '198.51.102.0/24', action: 'prohibit' },
  { priority: 107, from: '10.0.3.0/24', table: 'main' },
  { priority: 100, from: 'fd01::2', table: 'wan1' },
  { priority: 101, iif: 'lo', table: 101, family: 6 },
  { priority: 102, to: 'fd09::/64', action: 'prohibit' },
];

describe('rule kind: reading the kernel', () => {
  it('takes the lab\'s marked rules of a lab namespace as the lab\'s, in the kernel\'s spelling; never the kernel\'s own', () => {
    const rs = live(ctxOf(), R());
    const owned = (r: Resource) => `${r.owned ? '+' : '-'} ${r.key} ${r.label}`;
    expect(rs.map(owned)).toEqual([
      '+ rule:R/4/100 100: from 10.0.1.2/32 lookup 100',
      '+ rule:R/4/101 101: from 10.0.2.0/24 to 192.0.2.0/24 lookup 101',
      '+ rule:R/4/102 102: from all iif up1 oif up2 fwmark 0x10/0xff lookup 100',
      '+ rule:R/4/103 103: from all fwmark 0x7 goto 110',
      '+ rule:R/4/104 104: to 198.51.100.0/24 blackhole',
      '+ rule:R/4/105 105: to 198.51.101.0/24 unreachable',
      '+ rule:R/4/106 106: to 198.51.102.0/24 prohibit',
      '+ rule:R/4/107 107: from 10.0.3.0/24 lookup 254',
      '+ rule:R/4/108 108: from 10.0.4.0/24 not lookup 100',
      '+ rule:R/4/110 110: from 10.0.6.5/24 lookup 100',
      // Not marked (no protocol), or another protocol: someone else's. The second at 109 gets a key of its own.
      '- rule:R/4/109 109: from 10.0.5.0/24 lookup 100',
      '- rule:R/4/109#2 109: from 10.0.5.0/24 lookup 100',
    ]);
    // They all claim their priority: a declared rule there is a conflict, not a second rule beside them.
    expect(rs.filter((r) => r.key.startsWith('rule:R/4/109')).map((r) => r.claims)).toEqual([['rule:R/4/109'], ['rule:R/4/109']]);
  });

  it('reads IPv6 rules from `ip -6 -N` (numbers for tables and actions) the same way', () => {
    expect(live(ctxOf(), R([], V6)).map((r) => `${r.owned ? '+' : '-'} ${r.key} ${r.label}`)).toEqual([
      '+ rule:R/6/100 100: from fd01::2/128 lookup 100',
      '+ rule:R/6/101 101: from all (IPv6) iif lo lookup 101',
      '+ rule:R/6/102 102: to fd09::/64 prohibit',
      '- rule:R/6/103 103: from fd02::/64 lookup 100',
    ]);
  });

  it('in a namespace that is not the lab\'s nothing is the lab\'s; in the host only what the record lists', () => {
    expect(live(ctxOf(), withRules(ns('R', [lo('')]))).filter((r) => r.owned)).toEqual([]);
    const host = withRules(ns('host', [lo('')]));
    const hostLive = (objects: string[]) => ruleKind.live(snapshot(host), ctxOf({ objects })).filter((r) => r.owned).map((r) => r.key);
    expect(hostLive([])).toEqual([]);
    expect(hostLive(['rule:host/4/101', 'rule:host/4/109'])).toEqual(['rule:host/4/101']); // 109 carries no mark
  });

  it('a namespace read without its rules (read shallow, or before the reads) has none', () => {
    expect(live(ctxOf(), ns('R', [lo()]))).toEqual([]);
  });
});

describe('rule kind: planning', () => {
  it('has nothing to do for what the kernel holds as the file declares it (by names or numbers of tables)', () => {
    // Only the lab's two rules the file doesn't declare are deleted; the others (not the lab's) are left alone.
    expect(text(topo(DECLARED), R(V4, V6))).toEqual([
      'delete rule:R/4/108: ip rule del priority 108 from 10.0.4.0/24 table 100 protocol 241',
      'delete rule:R/4/110: ip rule del priority 110 from 10.0.6.5/24 table 100 protocol 241',
    ]);
  });

  it('creates each rule in full with the lab\'s protocol: IPv4 as batch lines, IPv6 with `ip -6`; undone by deleting it', () => {
    const s = steps(topo(DECLARED), R([], []));
    expect(s.map((x) => `${x.cmds[0].tool} ${batchLine(x.cmds[0])}`)).toEqual([
      'ip rule add priority 100 from 10.0.1.2/32 table 100 protocol 241',
      'ip rule add priority 101 from 10.0.2.0/24 to 192.0.2.0/24 table 101 protocol 241',
      'ip rule add priority 102 iif up1 oif up2 fwmark 0x10/0xff table 100 protocol 241',
      'ip rule add priority 103 fwmark 0x7 goto 110 protocol 241',
      'ip rule add priority 104 to 198.51.100.0/24 blackhole protocol 241',
      'ip rule add priority 105 to 198.51.101.0/24 unreachable protocol 241',
      'ip rule add priority 106 to 198.51.102.0/24 prohibit protocol 241',
      'ip rule add priority 107 from 10.0.3.0/24 table 254 protocol 241',
      'ip6 rule add priority 100 from fd01::2/128 table 100 protocol 241',
      'ip6 rule add priority 101 iif lo table 101 protocol 241',
      'ip6 rule add priority 102 to fd09::/64 prohibit protocol 241',
    ]);
    expect(argvOf(s[8].cmds[0])).toEqual(['ip', '-6', '-n', 'R', 'rule', 'add', 'priority', '100', 'from', 'fd01::2/128', 'table', '100', 'protocol', '241']);
    expect(s[0].cmds[0].undo).toEqual([{ ns: 'R', tool: 'ip', args: ['rule', 'del', 'priority', '100', 'from', '10.0.1.2/32', 'table', '100', 'protocol', '241'] }]);
    expect(s.every((x) => x.stage === 'config')).toBe(true);
  });

  it('comes after the routes of the tables it points at', () => {
    const t: Topology = { ...topo(DECLARED.slice(0, 1)), veths: [{ ends: [{ name: 'up1', namespace: 'R', addresses: ['10.0.1.2/24'] }, { name: 'x1' }] }] };
    t.namespaces!.R!.routes = [{ to: 'default', via: '10.0.1.1', table: 'wan1' }];
    const p = planFrom(t, snapshot(emptyHost()), ctxOf()).plan.steps;
    expect(p.findIndex((x) => x.kind === 'rule')).toBeGreaterThan(p.findIndex((x) => x.kind === 'route'));
  });

  it('repairs a rule changed by hand by deleting it in full and adding the declared one; prunes one the file dropped', () => {
    const t = topo([{ priority: 100, from: '10.0.1.2', table: 'wan2' }, { priority: 108, from: '10.0.4.0/24', table: 100 }]);
    const v4 = (V4 as { priority: number }[]).filter((x) => [0, 100, 108, 110, 32766].includes(x.priority));
    expect(text(t, R(v4))).toEqual([
      // Deleted as the kernel has it, host bits and all, and only if it is the lab's (protocol 241).
      'delete rule:R/4/110: ip rule del priority 110 from 10.0.6.5/24 table 100 protocol 241',
      'update rule:R/4/100: ip rule del priority 100 from 10.0.1.2/32 table 100 protocol 241; ip rule add priority 100 from 10.0.1.2/32 table 101 protocol 241',
      // `not` is not topo's: a rule with it is not the declared one.
      // (The kernel matches a deletion on the selectors it names: the `not` rule goes.)
      'update rule:R/4/108: ip rule del priority 108 from 10.0.4.0/24 table 100 protocol 241; ip rule add priority 108 from 10.0.4.0/24 table 100 protocol 241',
    ]);
    const [, upd] = steps(t, R(v4));
    expect(upd.fields).toEqual([['table', 100, 101]]);
    expect(upd.cmds.map((c) => c.undo!.map((u) => u.args.slice(0, 2).join(' ')))).toEqual([['rule add'], ['rule del']]);
  });

  it('a rule the lab doesn\'t own at a declared priority is a conflict; it is never deleted', () => {
    const p = planFrom(topo([{ priority: 109, from: '10.0.5.0/24', table: 100 }]), snapshot(emptyHost(), R()), ctxOf());
    expect(p.conflicts.map((c) => [c.key, c.holder])).toEqual([['rule:R/4/109', 'rule 109: from 10.0.5.0/24 lookup 100 in R']]);
    expect(p.plan.steps.filter((s) => s.kind === 'rule' && s.op === 'delete').map((s) => s.key)).not.toContain('rule:R/4/109#2');
  });

  it('the lab\'s rule at a priority someone else\'s shares is kept; theirs is not touched', () => {
    const mine = { priority: 109, src: '10.0.5.0', srclen: 24, table: '100', protocol: '241' };
    const theirs = { priority: 109, src: '10.0.5.0', srclen: 24, table: '100', protocol: 'unspec' };
    const p = planFrom(topo([{ priority: 109, from: '10.0.5.0/24', table: 100 }]), snapshot(emptyHost(), R([theirs, mine])), ctxOf());
    expect(p.conflicts).toEqual([]);
    expect(p.plan.steps.filter((s) => s.kind === 'rule')).toEqual([]);
  });

  it('destroy: the rules of a lab namespace go with it; the host\'s are deleted one by one', () => {
    const host = withRules(ns('host', [lo('')]), [{ priority: 101, src: '10.0.2.0', srclen: 24, dst: '192.0.2.0', dstlen: 24, table: '101', protocol: '241' }]);
    const p = planFrom(undefined, snapshot(host, R()), ctxOf({ namespaces: ['R'], objects: ['rule:host/4/101'] })).plan;
    expect(p.steps.filter((s) => s.kind === 'rule').map((s) => s.cmds.map((c) => batchLine(c)))).toEqual([
      ['rule del priority 101 from 10.0.2.0/24 to 192.0.2.0/24 table 101 protocol 241'],
    ]);
    expect(p.subsumed.filter((c) => c.kind === 'rule').length).toBe(10);
  });
});

describe('routes of the tables the rules point at, as the same batch prints them', () => {
  it('read back to the keys the file declares (tables by number, main by name), the local table left out', () => {
    const doc = JSON.parse(readFileSync(join(FIX, 'routes-batch.json'), 'utf8')) as unknown;
    const n = { ...ns('R', [lo()]), routes: routesOf(doc) };
    const owned = routeKind.live(snapshot(emptyHost(), n), ctxOf()).filter((r) => r.owned).map((r) => r.key).sort();
    const t: Topology = { name: LAB, tables: { wan1: 100 }, namespaces: { R: { routes: [
      { to: 'default', via: '10.0.1.1', table: 'wan1' }, { to: 'default', via: '10.0.2.1', table: 101 },
      { to: '10.9.0.0/16', via: '10.0.1.1' }, { to: 'default', via: 'fd01::1', table: 'wan1' }] } } };
    expect(owned).toEqual(routeKind.desired(resolveLab(t, []), ctxOf()).map((r) => r.key).sort());
    expect(owned).toEqual(['route:R/0.0.0.0/0/0/100', 'route:R/0.0.0.0/0/0/101', 'route:R/10.9.0.0/16/0', 'route:R/::/0/1024/100']);
  });
});

describe('rule kind: the state record and the reads', () => {
  it('records every rule (the host\'s are the lab\'s only when listed; rules are read where listed), from before they are added', () => {
    const t: Topology = { name: LAB, namespaces: { host: { rules: [{ priority: 100, from: '10.0.9.0/24', table: 5 }] },
      R: { rules: [{ priority: 100, from: '10.0.1.2', table: 5 }, { priority: 100, from: 'fd01::2', table: 5 }] } } };
    const p = planFrom(t, snapshot(withRules(ns('host', [lo('')]), [])), ctxOf());
    const intent = intentState(ctxOf().state, p.plan);
    expect(intent.objects).toEqual(['rule:R/4/100', 'rule:R/6/100', 'rule:host/4/100']);
    expect(finalState(intent, p.desired).objects).toEqual(['rule:R/4/100', 'rule:R/6/100', 'rule:host/4/100']);
    // A record that didn't list them (StateRecord.unlisted) stays so until the apply's final record, which does.
    const older = intentState(ctxOf({ unlisted: true }).state, p.plan);
    expect(older.unlisted).toBe(true);
    expect(finalState(older, p.desired).unlisted).toBeUndefined();
  });

  it('reads IPv4 rules (a line of the namespace\'s batch) where the file declares some or the record lists some; everywhere for a record that lists none', () => {
    const t: Topology = { name: LAB, namespaces: { a: { rules: [{ priority: 5, to: '10.0.0.0/8', action: 'prohibit' }] },
      b: { rules: [{ priority: 6, family: 6, action: 'blackhole' }] }, c: {} } };
    const ctx = ctxOf({ objects: ['rule:d/4/7', 'rule:e/6/9', 'route:f/10.1.0.0/16/100'] });
    expect(ruleKind.ipReadsOnly!(t, ctx)).toEqual(['a', 'd']);
    expect(ruleKind.ipReadsOnly!(undefined, ctx)).toEqual(['d']); // destroy without its file: what the record lists
    expect(ruleKind.ipReadsOnly!(t, ctxOf({ objects: ['rule:d/4/7'], unlisted: true }))).toBeUndefined();
    expect(kindIpReads(t, ctx).find((r) => r.name === 'rule:4')).toEqual({ name: 'rule:4', line: 'rule show', only: ['a', 'd'] });
    expect(kindIpReads(t).find((r) => r.name === 'rule:4')).toEqual({ name: 'rule:4', line: 'rule show' }); // no record: everywhere
    const lines = (n: string) => nsReads(n, kindIpReads(t, ctx)).map((r) => r.line);
    expect(lines('a')).toContain('rule show');
    expect(lines('c')).not.toContain('rule show');
  });

  it('reads IPv6 rules with `ip -6 -N -d -json rule show` where the file declares some or the record lists some', () => {
    const t: Topology = { name: LAB, namespaces: { a: { rules: [{ priority: 5, to: 'fd00::/8', action: 'prohibit' }] },
      b: { rules: [{ priority: 5, to: '10.0.0.0/8', action: 'prohibit' }, { priority: 6, family: 6, action: 'blackhole' }] }, c: {} } };
    const reads = ruleKind.reads!(t, ctxOf({ objects: ['rule:d/6/7', 'rule:host/4/9', 'route:e/fd00::/64/1024/100'] }));
    expect(reads.map((r) => r.ns)).toEqual(['a', 'b', 'd']);
    expect(reads[0]).toMatchObject({ name: 'rule:6', tool: 'ip6', args: ['-N', '-d', '-json', 'rule', 'show'] });
    expect(argvOf({ ns: 'a', tool: reads[0].tool, args: reads[0].args })).toEqual(['ip', '-6', '-n', 'a', '-N', '-d', '-json', 'rule', 'show']);
    expect(ruleKind.reads!(undefined, ctxOf())).toEqual([]);
    expect(ruleKind.ipReads).toEqual([{ name: 'rule:4', line: 'rule show' }]);
  });
});

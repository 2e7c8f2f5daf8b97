// The plan executor. Stages run one after the other; inside a stage each namespace's commands run as one
// batch, namespaces in parallel (with the netlink engine, its `ip` commands are requests made in-process, one after
// the other, see run-step-cmds.ts). Progress goes through listr2, to standard error (io/progress.ts). On a failure
// (or SIGINT/SIGTERM/SIGHUP) it stops launching work, lets running batches finish, and (unless told not to) undoes
// what ran, in reverse.
import { constants as osConstants } from 'node:os';
import { STAGES, type Plan, type StageName } from '../model.js';
import { runsIn } from '../core/order.js';
import type { IpRead } from '../core/live.js';
import { InternalError, type CommandFailed, type StepFailure } from '../errors.js';
import { PARALLEL, pool } from './pool.js';
import type { ShapedRead } from './live-shape.js';
import { nsReads } from './ip-reads.js';
import { runGroupedSegments, groupableSegments } from './run-grouped.js';
import { runSegment, segments, type Item } from './run-step-cmds.js';
import { injectedFailure, injectedUndoFailure, type FailAt } from './test-hooks.js';
import { progressOptions, type Renderer } from './progress.js';
import { eventEmitter, type ExecEvent } from './exec-events.js';
import { runProcess, type Runner } from './runner.js';
import { engine } from './netlink/engine.js';
import { NetlinkWriter } from './netlink/writer.js';

export type { Renderer, ExecEvent };

export interface ExecOptions {
  run: Runner;
  renderer: Renderer;
  rollback: boolean;
  /** Test hook deciding which commands fail without running (default: $TOPO_FAIL_COMMAND). */
  failAt?: FailAt;
  /**
   * Have each namespace's last batch print what reading it prints (io/ip-reads.ts nsReads, with the kinds' `ip`
   * lines given here), for verify: see io/run-grouped.ts.
   */
  readBack?: { ipReads: IpRead[] };
  /**
   * Called as each stage ends (even a failed one), before the next starts, with the commands that ran in it: the
   * apply records the identity of the namespaces it just created before anything is put in them.
   */
  afterStage?: (stage: StageName, ran: Item[]) => Promise<void>;
  /** Told of each stage, step and rollback as it starts and ends (the library's progress events; see exec-events.ts). */
  onEvent?: (e: ExecEvent) => void;
}

export interface ExecResult {
  ok: boolean;
  /** Commands that ran successfully, in completion order. */
  ran: Item[];
  /** The command the kernel refused, or the bug that stopped a stage. */
  error?: StepFailure;
  interrupted?: StopSignal;
  rolledBack: boolean;
  /** Undo commands that ran successfully during rollback, in the order they ran. */
  undone: Item[];
  rollbackErrors: CommandFailed[];
  /** What namespaces' last batches read back right after their last command (readBack). */
  readBack: Map<string, ShapedRead>;
}

const STAGE_TITLE: Record<StageName, string> = {
  stop: 'stop processes',
  namespaces: 'create namespaces', unstack: 'remove interfaces stacked on others', unlink: 'remove interfaces', links: 'interfaces',
  stacked: 'interfaces stacked on others', config: 'addresses, routes, settings',
  bridges: 'new bridges up, then their namespace\'s addresses, routes, settings', run: 'start processes', cleanup: 'delete namespaces',
};

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The commands that run in stage s, in plan order (a command runs in its step's stage unless it names another). */
export function itemsOf(plan: Plan, s: StageName): Item[] {
  return plan.steps.flatMap((step) => step.cmds.filter((cmd) => runsIn(step, cmd) === s).map((cmd) => ({ step, cmd })));
}

export async function executePlan(plan: Plan, opts: ExecOptions): Promise<ExecResult> {
  const ran: Item[] = [];
  const res: ExecResult = { ok: true, ran, rolledBack: false, undone: [], rollbackErrors: [], readBack: new Map() };
  const release = holdSignals((sig) => { res.interrupted ??= sig; });
  const events = eventEmitter(opts.onEvent);
  const nl = writer(opts.run);
  try {
    const stages = STAGES.map((s) => ({ s, items: itemsOf(plan, s) })).filter((x) => x.items.length);
    const listr2 = await import('listr2'); // loaded when a plan runs, not by every command that imports this module
    const tasks = new listr2.Listr(stages.map(({ s, items }) => ({
      title: `${STAGE_TITLE[s]} (${plural(new Set(items.map((it) => it.step)).size, 'step')})`,
      task: async () => {
        // One turn of the event loop first: a signal that came while the last stage's process ran is handled
        // before this stage starts (its event can be queued behind that process's exit when both are ready).
        await new Promise((resolve) => setImmediate(resolve));
        if (res.error || res.interrupted) return;
        // A namespace configures in config or in bridges, never both: its last stage unless namespaces are deleted after it.
        const last = (s === 'config' || s === 'bridges') && !stages.some((x) => x.s === 'cleanup');
        const readBack = last ? opts.readBack?.ipReads : undefined;
        // Anything thrown is a bug (a command's failure is a result, in res.error): it still stops the apply and
        // rolls back, and is reported as a bug, not as a command.
        const from = ran.length;
        const failed = (e: unknown) => { res.error ??= new InternalError(`the "${STAGE_TITLE[s]}" stage`, e); };
        events.stageStart(s, STAGE_TITLE[s], items);
        await runStage(items, opts.run, res, opts.failAt ?? injectedFailure, readBack, events, nl).catch(failed);
        await opts.afterStage?.(s, ran.slice(from)).catch(failed);
        events.stageEnd(s, res.error);
        if (res.error) throw res.error;
        if (res.interrupted) throw new Error(`interrupted by ${res.interrupted}`);
      },
    })), {
      ...progressOptions(listr2, opts.renderer), exitOnError: true,
      // listr2's own SIGINT listener exits the process (code 127) on the spot, skipping rollback: ours decides.
      registerSignalListeners: false,
    });
    await tasks.run().catch(() => undefined);
    if (res.error || res.interrupted) {
      res.ok = false;
      // Signals stay caught during rollback: a second Ctrl-C must not leave it half done (kill -9 still can,
      // and the next apply or destroy converges from there).
      if (opts.rollback) {
        events.emit({ type: 'rollback', commands: ran.length });
        Object.assign(res, await rollback(ran, opts.run, nl));
        res.rolledBack = true;
        events.emit({ type: 'rollback-done', undone: res.undone.length, errors: res.rollbackErrors });
      }
    }
  } finally {
    nl?.close();
    release();
  }
  return res;
}

/** The netlink engine's writer for this plan: with the netlink engine and the real kernel's runner (not a test's). */
function writer(run: Runner): NetlinkWriter | undefined {
  if (run !== runProcess) return undefined;
  const e = engine();
  return e.name === 'netlink' ? new NetlinkWriter(e.libc) : undefined;
}

/** The signals that stop an apply or destroy after the running step (SIGHUP: the terminal or ssh session closed). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit code after stopping on a signal: 128 + its number, as a shell reports a process killed by it. */
export const signalExit = (sig: string): number => 128 + (osConstants.signals[sig as StopSignal] ?? -127);

/**
 * Catch STOP_SIGNALS (instead of dying at once) until the returned function is called: the caller stops
 * launching work and winds down cleanly. Returns the function that restores the default behaviour.
 */
export function holdSignals(onSignal: (sig: StopSignal) => void): () => void {
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}

/** `readBack`: the kinds' `ip` reads, when each namespace's last batch prints its read (see ExecOptions.readBack). */
async function runStage(items: Item[], run: Runner, res: ExecResult, failAt: FailAt, readBack: IpRead[] | undefined,
  events: ReturnType<typeof eventEmitter>, nl: NetlinkWriter | undefined): Promise<void> {
  const byNs = new Map<string, Item[]>();
  for (const it of items) {
    if (!byNs.has(it.cmd.ns)) byNs.set(it.cmd.ns, []);
    byNs.get(it.cmd.ns)!.push(it);
  }
  // Many namespaces with one batch each: grouped, few spawns (io/run-grouped.ts); the others one by one. With the
  // netlink engine none are grouped: their `ip` commands run in-process.
  const grouped = nl ? [] : groupableSegments(byNs, failAt);
  const stop = () => Boolean(res.error || res.interrupted);
  events.launched(grouped.flat());
  await Promise.all([
    grouped.length && runGroupedSegments(run, grouped, { readBack, stop }).then((r) => {
      res.ran.push(...r.done);
      events.done(r.done, r.failed);
      if (r.failed) res.error ??= r.failed.error;
      for (const [ns, docs] of r.readBack) res.readBack.set(ns, docs);
    }),
    pool([...byNs.values()].filter((items) => !grouped.includes(items)), PARALLEL, async (items) => {
      const segs = segments(items);
      for (const [i, seg] of segs.entries()) {
        if (stop()) return;
        const ns = seg[0].cmd.ns;
        events.launched(seg);
        const r = await runSegment(run, seg, failAt, readBack && i === segs.length - 1 ? nsReads(ns, readBack) : [], nl);
        res.ran.push(...r.done);
        events.done(r.done, r.failed);
        if (r.failed) res.error ??= r.failed.error;
        if (r.readBack) res.readBack.set(ns, r.readBack);
      }
    }),
  ]);
}

/**
 * Undo what ran, newest first. A step whose namespace or interface was created in this run is skipped: undoing
 * that creation (deleting the namespace / the interface) takes it along.
 */
export function rollbackCommands(ran: Item[]): Item[] {
  const created = new Set(ran.filter((it) => it.step.op === 'create').flatMap((it) => it.step.desired!.claims));
  const out: Item[] = [];
  for (const it of [...ran].reverse()) {
    const r = it.step.desired ?? it.step.live!;
    const own = it.step.op === 'create' ? r.claims : [];
    if (r.parents.some((p) => created.has(p) && !own.includes(p))) continue;
    for (const u of it.cmd.undo ?? []) out.push({ step: it.step, cmd: u });
  }
  return out;
}

async function rollback(ran: Item[], run: Runner, nl: NetlinkWriter | undefined): Promise<{ undone: Item[]; rollbackErrors: CommandFailed[] }> {
  const errors: CommandFailed[] = [];
  const undone: Item[] = [];
  // Sequential, in reverse order, batching consecutive commands of one namespace.
  const items = rollbackCommands(ran);
  const groups: Item[][] = [];
  for (const it of items) {
    const last = groups[groups.length - 1];
    if (last && last[0].cmd.ns === it.cmd.ns) last.push(it);
    else groups.push([it]);
  }
  for (const g of groups) {
    let rest = g;
    while (rest.length) {
      const seg = segments(rest)[0];
      const r = await runSegment(run, seg, injectedUndoFailure, [], nl);
      undone.push(...r.done);
      if (r.failed) {
        errors.push(r.failed.error);
        rest = rest.slice(r.done.length + 1); // report it, go on with the rest of the rollback
      } else rest = rest.slice(seg.length);
    }
  }
  return { undone, rollbackErrors: errors };
}

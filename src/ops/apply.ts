// apply: plan against the kernel, record intent, execute, verify, record what the lab owns. On a failure or a
// signal the commands that ran are undone in reverse, the lab is compared with (and if need be converged back
// to) what it was before, and the old record is restored once the kernel is back as it was. What the rollback may
// touch is what this apply's commands created, as the kernel reported it (see madeState in core/pipeline.ts).
import { isEmpty } from '../core/order.js';
import { finalState, intentState, madeState, namespacesMade } from '../kinds/index.js';
import { isEmptyState, mergeState, type StateRecord } from '../core/state.js';
import { StateError, TopoError } from '../errors.js';
import type { Plan, Topology } from '../model.js';
import { executePlan, holdSignals, signalExit, type ExecEvent, type ExecResult, type Renderer } from '../io/execute.js';
import { argvOf } from '../core/commands.js';
import { labGroup } from '../io/group-claim.js';
import { labIdentity } from '../core/lab.js';
import { netnsIdentities } from '../io/netns-identity.js';
import type { Item } from '../io/run-step-cmds.js';
import type { Runner } from '../io/runner.js';
import { writeState } from '../io/state-file.js';
import { forget, kindIpReads, loadContext, observe } from './observe.js';
import { conflictError, foreignInsideError, leftInside } from './conflicts.js';
import { restoreLab, type Restored } from './restore.js';
import { verify } from './verify.js';

export interface ApplyOptions {
  run: Runner; renderer: Renderer; rollback: boolean;
  /** Called once with the plan about to be executed (not when there is nothing to do), before its first command. */
  onPlan?: (plan: Plan) => void;
  /** Progress as data (io/exec-events.ts), beside or instead of the renderer's. */
  onEvent?: (e: ExecEvent) => void;
}
export interface ApplyWarning { code: 'left-running' | 'state-record'; message: string }
export interface ApplyResult {
  lab: string; plan: Plan; changed: boolean; exec?: ExecResult; ms: number;
  /**
   * What needs saying but no undoing: a process someone else started in a namespace this apply deleted, left
   * running (left-running); a record that could not be written (state-record).
   */
  warnings: ApplyWarning[];
}

export async function apply(topo: Topology, opts: ApplyOptions): Promise<ApplyResult> {
  const t0 = Date.now();
  let ctx = await loadContext(topo.name);
  let obs = await observe(opts.run, topo, ctx);
  if (obs.conflicts.length) throw conflictError(topo.name, obs.conflicts, obs.snap);
  if (obs.inside.some((b) => !b.leave)) throw foreignInsideError(topo.name, obs.inside);
  if (isEmpty(obs.plan)) return { lab: topo.name, plan: obs.plan, changed: false, ms: Date.now() - t0, warnings: [] };
  // About to create: the lab claims the link group it planned with (see io/group-claim.ts). Another lab that
  // claimed it since makes this one take the next: plan again with that.
  const group = await labGroup(topo.name, true);
  if (group !== ctx.lab.group) {
    ctx = { ...ctx, lab: labIdentity(topo.name, group) };
    obs = await observe(opts.run, topo, ctx);
    if (obs.conflicts.length) throw conflictError(topo.name, obs.conflicts, obs.snap);
    if (obs.inside.some((b) => !b.leave)) throw foreignInsideError(topo.name, obs.inside);
  }

  // Written before the first command: a crash from here on leaves nothing the lab doesn't know it owns. It is also
  // the check that the state directory can be written (read-only, full), before anything changes.
  let intent = intentState(ctx.state, obs.plan);
  await writeState(intent);
  // Record writes from here on can't undo anything the kernel did: one that fails (a full or read-only state
  // directory) is said, not fatal, and the last record written stays — it covers everything the lab owns.
  const notes: ApplyWarning[] = leftInside(topo.name, obs.inside).map((message) => ({ code: 'left-running', message }));
  const record = async (s: StateRecord, then: string) => {
    try { await writeState(s); } catch (e) {
      if (!(e instanceof StateError)) throw e;
      const message = `${e.message}; ${then}`;
      if (!notes.some((n) => n.message === message)) notes.push({ code: 'state-record', message });
    }
  };
  const stays = 'the record written before this apply stays: it covers everything the lab owns, so the next apply and destroy work from it';
  // The namespaces this apply created are recorded with their kernel identity as soon as their stage ends, before
  // anything is put in them (see ownsNamespace in kinds/common.ts).
  const ids: Record<string, string> = {};
  const afterStage = async (_s: string, ran: Item[]) => {
    const made = namespacesMade(ran);
    if (!made.length) return;
    Object.assign(ids, await netnsIdentities(made));
    intent = mergeState(intent, { namespaceIds: ids });
    await record(intent, `the namespaces' identities are not recorded (until a later write succeeds they are the lab's by their mark); ${stays}`);
  };
  opts.onPlan?.(obs.plan);
  const exec = await executePlan(obs.plan, { run: opts.run, renderer: opts.renderer, rollback: opts.rollback,
    readBack: { ipReads: kindIpReads(topo, { ...ctx, state: intent }) }, afterStage, onEvent: opts.onEvent });
  if (!exec.ok) {
    // From here on the lab is what it was plus what this apply's commands created, as the kernel reported it; not
    // what the intent record named (another lab's or someone's object may have taken a name first).
    const made = madeState(ctx.state, exec.ran, ids);
    let restored: Restored | undefined;
    const release = holdSignals(() => undefined); // finish the rollback even on a second Ctrl-C
    try {
      await record(made, stays);
      if (exec.rolledBack) {
        const recordIds = (namespaceIds: Record<string, string>) => record(mergeState(made, { namespaceIds }), stays);
        restored = await restoreLab(opts.run, topo, { ...ctx, state: made }, obs.live, recordIds);
        if (!restored.remaining.length) {
          await (isEmptyState(ctx.state) ? forget(topo.name) : record(mergeState(ctx.state, { namespaceIds: restored.namespaceIds }), stays));
        }
      }
    } finally { release(); }
    throw applyFailed(exec, restored, notes.length ? notes.map((n) => n.message).join('\n') : undefined);
  }
  // Verified against the record as it will be once verified (what the kinds keep of what they applied), with what
  // this apply may have created or deleted: a leftover of a deletion is still recognised as the lab's.
  const final = finalState(intent, obs.desired);
  const left = await verify(opts.run, topo, { ...ctx, state: mergeState(intent, final) }, undefined, exec.readBack, obs.desired);
  if (left.length) throw verifyFailed(left);
  // Namespaces the lab owned before identities were recorded (by their mark) get theirs now.
  Object.assign(final.namespaceIds, await netnsIdentities(final.namespaces.filter((n) => final.namespaceIds[n] === undefined)));
  await record(final, `the apply is complete and verified, and ${stays.replace('the lab owns', 'the lab owns (and what this apply removed)')}`);
  return { lab: topo.name, plan: obs.plan, changed: true, exec, ms: Date.now() - t0, warnings: notes };
}

/**
 * Every command ran, but the kernel doesn't show what the file says. Nothing is rolled back (nothing failed to
 * undo) and the record written before the first command stays: it covers everything this apply created.
 */
export function verifyFailed(left: string[]): TopoError {
  return new TopoError('E_VERIFY', [
    'verification failed: the kernel does not match the file after apply:',
    ...left.map((l) => `  ${l}`),
    'the lab stays applied as it is now: every command succeeded, so nothing was rolled back, and the lab\'s record covers everything this apply created',
    'the next `topo apply` plans against the kernel again and re-runs what still differs (the same difference again means the kernel does not keep what the file asks for); `topo destroy` removes the whole lab',
  ].join('\n'), 1, { remaining: left, applied: true, rolledBack: false });
}

/** The failing step (or the signal), then what the rollback did, step by step where it failed. */
export function applyFailed(exec: ExecResult, restored?: Restored, record?: string): TopoError {
  const cause = exec.error ? exec.error.message : `interrupted by ${exec.interrupted}: stopped after the running step`;
  const lines: string[] = [];
  if (!exec.rolledBack) lines.push('not rolled back (--no-rollback): the partial state is left for debugging; the next apply or destroy converges from here');
  else {
    lines.push(`rolling back: ${exec.undone.length} undo command(s) ran, newest first${exec.rollbackErrors.length ? `, ${exec.rollbackErrors.length} failed:` : ''}`);
    for (const e of exec.rollbackErrors) lines.push(`  undo failed: ${e.message}`);
    if (restored?.commands) lines.push(`converged back to the state before this apply with ${restored.commands} more command(s)`);
    for (const e of restored?.errors ?? []) lines.push(`  restore failed: ${e.message}`);
    if (!restored?.remaining.length) lines.push('rolled back: the lab is as it was before this apply (checked against the kernel)');
    else {
      lines.push(`rollback incomplete: ${restored.remaining.length} difference(s) from the state before this apply remain:`);
      for (const r of restored.remaining) lines.push(`  ${r}`);
      lines.push('the lab\'s record still covers everything this apply created: the next apply or destroy converges from here');
    }
    if (record) lines.push(record);
  }
  const rolledBack = exec.rolledBack && !restored?.remaining.length;
  return new TopoError(exec.error?.code ?? 'E_INTERRUPTED', `${cause}\n${lines.join('\n')}`,
    exec.error?.exitCode ?? (exec.interrupted ? signalExit(exec.interrupted) : 1), {
      ...(exec.error?.details ?? {}), interrupted: exec.interrupted, rolledBack,
      undone: exec.undone.map((it) => argvOf(it.cmd)),
      rollbackErrors: [...exec.rollbackErrors, ...(restored?.errors ?? [])].map((e) => e.details),
      remaining: restored?.remaining,
    }, { cause: exec.error });
}

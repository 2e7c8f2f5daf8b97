// apply: plan against the kernel, record intent, execute, verify, record what the lab owns. On a failure or a
// signal the commands that ran are undone in reverse, the lab is compared with (and if need be converged back
// to) what it was before, and the old record is restored once the kernel is back as it was.
import { isEmpty } from '../core/order.js';
import { finalState, intentState } from '../core/pipeline.js';
import { isEmptyState } from '../core/state.js';
import { TopoError } from '../errors.js';
import type { Plan, Topology } from '../model.js';
import { executePlan, holdSignals, signalExit, type ExecResult, type Renderer } from '../io/execute.js';
import { argvOf } from '../io/commands.js';
import type { Runner } from '../io/runner.js';
import { removeState, writeState } from '../io/state-file.js';
import { loadContext, observe } from './observe.js';
import { conflictError } from './conflicts.js';
import { restoreLab, type Restored } from './restore.js';
import { verify } from './verify.js';

export interface ApplyOptions { run: Runner; renderer: Renderer; rollback: boolean }
export interface ApplyResult { lab: string; plan: Plan; changed: boolean; exec?: ExecResult; ms: number }

export async function apply(topo: Topology, opts: ApplyOptions): Promise<ApplyResult> {
  const t0 = Date.now();
  const ctx = await loadContext(topo.name);
  const obs = await observe(opts.run, topo, ctx);
  if (obs.conflicts.length) throw conflictError(topo.name, obs.conflicts);
  if (isEmpty(obs.plan)) return { lab: topo.name, plan: obs.plan, changed: false, ms: Date.now() - t0 };

  // Written before the first command: a crash from here on leaves nothing the lab doesn't know it owns.
  const intent = intentState(ctx.state, obs.plan);
  await writeState(intent);
  const exec = await executePlan(obs.plan, { run: opts.run, renderer: opts.renderer, rollback: opts.rollback, readBack: true });
  if (!exec.ok) {
    let restored: Restored | undefined;
    if (exec.rolledBack) {
      const release = holdSignals(() => undefined); // finish the rollback even on a second Ctrl-C
      try {
        restored = await restoreLab(opts.run, topo, { ...ctx, state: intent }, obs.live);
        if (!restored.remaining.length) await (isEmptyState(ctx.state) ? removeState(topo.name) : writeState(ctx.state));
      } finally { release(); }
    }
    throw applyFailed(exec, restored);
  }
  const left = await verify(opts.run, topo, { ...ctx, state: intent }, undefined, exec.readBack, obs.desired);
  if (left.length) {
    throw new TopoError('E_VERIFY', `verification failed: the kernel does not match the file after apply:\n  ${left.join('\n  ')}`, 1,
      { remaining: left });
  }
  await writeState(finalState(intent, obs.desired));
  return { lab: topo.name, plan: obs.plan, changed: true, exec, ms: Date.now() - t0 };
}

/** The failing step (or the signal), then what the rollback did, step by step where it failed. */
export function applyFailed(exec: ExecResult, restored?: Restored): TopoError {
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
  }
  const rolledBack = exec.rolledBack && !restored?.remaining.length;
  return new TopoError(exec.error ? 'E_COMMAND' : 'E_INTERRUPTED', `${cause}\n${lines.join('\n')}`,
    exec.interrupted && !exec.error ? signalExit(exec.interrupted) : 1, {
      ...(exec.error?.details ?? {}), interrupted: exec.interrupted, rolledBack,
      undone: exec.undone.map((it) => argvOf(it.cmd)),
      rollbackErrors: [...exec.rollbackErrors, ...(restored?.errors ?? [])].map((e) => e.details),
      remaining: restored?.remaining,
    });
}

// apply: plan against the kernel, record intent, execute, verify, record what the lab owns.
import { isEmpty } from '../core/order.js';
import { finalState, intentState } from '../core/pipeline.js';
import { TopoError } from '../errors.js';
import type { Plan, Topology } from '../model.js';
import { executePlan, type ExecResult, type Renderer } from '../io/execute.js';
import type { Runner } from '../io/runner.js';
import { writeState } from '../io/state-file.js';
import { loadContext, observe } from './observe.js';
import { conflictError } from './conflicts.js';
import { describeRemaining, verify } from './verify.js';

export interface ApplyOptions { run: Runner; renderer: Renderer; rollback: boolean }
export interface ApplyResult { lab: string; plan: Plan; changed: boolean; exec?: ExecResult; ms: number }

export async function apply(topo: Topology, opts: ApplyOptions): Promise<ApplyResult> {
  const t0 = Date.now();
  const ctx = await loadContext(topo.name);
  const obs = await observe(opts.run, topo, ctx);
  if (obs.conflicts.length) throw conflictError(topo.name, obs.conflicts);
  if (isEmpty(obs.plan)) return { lab: topo.name, plan: obs.plan, changed: false, ms: Date.now() - t0 };

  const intent = intentState(ctx.state, obs.plan);
  await writeState(intent);
  const exec = await executePlan(obs.plan, { run: opts.run, renderer: opts.renderer, rollback: opts.rollback });
  if (!exec.ok) {
    if (exec.rolledBack && !exec.rollbackErrors.length) await writeState(ctx.state);
    throw applyFailed(exec);
  }
  const left = await verify(opts.run, topo, { ...ctx, state: intent });
  if (left.length) {
    throw new TopoError('E_VERIFY', `verification failed: the kernel does not match the file after apply:\n  ${describeRemaining(left).join('\n  ')}`, 1,
      { remaining: describeRemaining(left) });
  }
  await writeState(finalState(intent, obs.desired));
  return { lab: topo.name, plan: obs.plan, changed: true, exec, ms: Date.now() - t0 };
}

export function applyFailed(exec: ExecResult): TopoError {
  const cause = exec.error ? exec.error.message : `interrupted by ${exec.interrupted}`;
  const rb = exec.rolledBack
    ? exec.rollbackErrors.length
      ? `rollback incomplete: ${exec.rollbackErrors.length} undo step(s) failed:\n  ${exec.rollbackErrors.map((e) => e.message).join('\n  ')}\nthe next apply or destroy converges from here`
      : `rolled back: ${exec.ran.length} command(s) undone, the kernel is as it was before this apply`
    : 'not rolled back (--no-rollback): the partial state is left for debugging';
  return new TopoError(exec.error ? 'E_COMMAND' : 'E_INTERRUPTED', `${cause}\n${rb}`, 1, {
    ...(exec.error?.details ?? {}), interrupted: exec.interrupted, rolledBack: exec.rolledBack,
    rollbackErrors: exec.rollbackErrors.map((e) => e.details),
  });
}

// destroy: desired = nothing, against everything the lab owns (found from kernel marks and the state record,
// so a lab whose file was edited since apply is still removed completely).
import { isEmpty } from '../core/order.js';
import type { Plan } from '../model.js';
import { executePlan, type ExecResult, type Renderer } from '../io/execute.js';
import type { Runner } from '../io/runner.js';
import { removeState } from '../io/state-file.js';
import { applyFailed } from './apply.js';
import { findMarkedNamespaces, loadContext, observe } from './observe.js';
import { TopoError } from '../errors.js';
import { describeRemaining, verify } from './verify.js';

export interface DestroyOptions { run: Runner; renderer: Renderer; declaredNamespaces?: string[] }
export interface DestroyResult { lab: string; plan: Plan; changed: boolean; exec?: ExecResult; ms: number }

export async function destroy(lab: string, opts: DestroyOptions): Promise<DestroyResult> {
  const t0 = Date.now();
  const ctx = await loadContext(lab);
  const marked = await findMarkedNamespaces(opts.run, ctx, ctx.state.namespaces);
  const obs = await observe(opts.run, undefined, ctx, [...marked, ...(opts.declaredNamespaces ?? [])]);
  if (isEmpty(obs.plan)) {
    await removeState(lab);
    return { lab, plan: obs.plan, changed: false, ms: Date.now() - t0 };
  }
  const state = { ...ctx.state, namespaces: [...new Set([...ctx.state.namespaces, ...marked])] };
  const exec = await executePlan(obs.plan, { run: opts.run, renderer: opts.renderer, rollback: false });
  if (!exec.ok) throw applyFailed(exec);
  const left = await verify(opts.run, undefined, { ...ctx, state });
  if (left.length) {
    throw new TopoError('E_VERIFY', `verification failed: left after destroy:\n  ${describeRemaining(left).join('\n  ')}`, 1);
  }
  await removeState(lab);
  return { lab, plan: obs.plan, changed: true, exec, ms: Date.now() - t0 };
}

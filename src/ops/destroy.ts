// destroy: desired = nothing, against everything the lab owns (found from kernel marks and the state record,
// so a lab whose file was edited since apply is still removed completely). Nothing to roll back: a destroy that
// stops half way (a failure, a signal, a crash) leaves the record in place and the next destroy finishes it.
import type { KindContext } from '../core/kind.js';
import { isEmpty } from '../core/order.js';
import { isEmptyState } from '../core/state.js';
import type { Plan } from '../model.js';
import { executePlan, signalExit, type ExecEvent, type ExecResult, type Renderer } from '../io/execute.js';
import { listNetns } from '../io/read-live.js';
import type { Runner } from '../io/runner.js';
import { findMarkedNamespaces, forget, loadContext, observe, type Observed, type ReadOptions } from './observe.js';
import { TopoError } from '../errors.js';
import { foreignInsideError, leftInside } from './conflicts.js';
import { verify } from './verify.js';

export interface DestroyOptions { run: Runner; renderer: Renderer; declaredNamespaces?: string[]; onEvent?: (e: ExecEvent) => void }
export interface DestroyResult {
  lab: string; plan: Plan; changed: boolean; exec?: ExecResult; ms: number;
  /** What it left in the namespaces it deleted (Blocker.leave). */
  warnings: string[];
}

export async function destroy(lab: string, opts: DestroyOptions): Promise<DestroyResult> {
  const t0 = Date.now();
  const obs = await planDestroy(opts.run, await loadContext(lab), opts.declaredNamespaces ?? []);
  if (obs.inside.some((b) => !b.leave)) throw foreignInsideError(lab, obs.inside);
  const warnings = leftInside(lab, obs.inside);
  if (isEmpty(obs.plan)) {
    await forget(lab);
    return { lab, plan: obs.plan, changed: false, ms: Date.now() - t0, warnings };
  }
  const exec = await executePlan(obs.plan, { run: opts.run, renderer: opts.renderer, rollback: false, onEvent: opts.onEvent });
  if (!exec.ok) throw destroyFailed(exec);
  const left = await verify(opts.run, undefined, obs.ctx);
  if (left.length) {
    throw new TopoError('E_VERIFY', `verification failed: left after destroy:\n  ${left.join('\n  ')}`, 1, { remaining: left });
  }
  await forget(lab);
  return { lab, plan: obs.plan, changed: true, exec, ms: Date.now() - t0, warnings };
}

/**
 * Destroy's plan: desired = nothing, against what the lab owns. `declared`: the namespaces the lab's file names (a
 * hint: only what the lab owns is deleted). The plan's ctx carries the record with the namespaces found by marks.
 */
export async function planDestroy(run: Runner, ctx: KindContext, declared: string[], read: ReadOptions = {}): Promise<Observed> {
  const netns = await listNetns(run); // read once: for the marks and for the plan
  // Only the lab's namespaces are read: the record names every one it created (from before `netns add` until a
  // destroy has removed it), the file those it declares. Other namespaces on the machine are none of its business,
  // and reading them costs a process each. Only without a record (lost) are the lab's namespaces looked for by
  // their marks in every namespace, in one batched read.
  const marked = isEmptyState(ctx.state) ? await findMarkedNamespaces(run, ctx, declared, netns) : [];
  const state = { ...ctx.state, namespaces: [...new Set([...ctx.state.namespaces, ...marked])] };
  // The lab's own namespaces go whole (`netns del` takes everything in them): only their interfaces are read, to
  // prove them the lab's and to refuse when they hold one the lab doesn't own.
  return observe(run, undefined, { ...ctx, state }, [...marked, ...declared], { ...read, shallow: state.namespaces, netns });
}

function destroyFailed(exec: ExecResult): TopoError {
  const cause = exec.error ? exec.error.message : `interrupted by ${exec.interrupted}: stopped after the running step`;
  return new TopoError(exec.error?.code ?? 'E_INTERRUPTED',
    `${cause}\ndestroy stopped after ${exec.ran.length} command(s); the lab's record is kept, run destroy again to remove the rest`,
    exec.error?.exitCode ?? (exec.interrupted ? signalExit(exec.interrupted) : 1),
    { ...(exec.error?.details ?? {}), interrupted: exec.interrupted }, { cause: exec.error });
}

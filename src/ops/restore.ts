// The second half of a rollback. Undoing the commands that ran (io/execute.ts) is precise but can't bring back
// what an apply deleted (an interface and the addresses that went with it), nor commands of a batch whose
// progress is unknown. So after undoing, the lab is re-read and compared with what it was before the apply; what
// still differs is converged back with the lab's state before the apply as the desired state. Only the lab's
// own objects are compared or touched.
import { diff } from '../core/diff.js';
import type { KindContext } from '../core/kind.js';
import { order } from '../core/order.js';
import { KINDS, namespacesMade } from '../kinds/index.js';
import type { Plan, Resource, Topology } from '../model.js';
import type { StepFailure } from '../errors.js';
import { mergeState } from '../core/state.js';
import { executePlan } from '../io/execute.js';
import { netnsIdentities } from '../io/netns-identity.js';
import type { Item } from '../io/run-step-cmds.js';
import type { Runner } from '../io/runner.js';
import { injectedUndoFailure } from '../io/test-hooks.js';
import { observe } from './observe.js';
import { describeAll, settle, type Remaining } from './verify.js';

export interface Restored {
  /** Commands run to converge back after the undo commands (0 when undoing was enough). */
  commands: number;
  errors: StepFailure[];
  /** What still differs from the lab before the apply; empty when the lab is back as it was. */
  remaining: string[];
  /** Identities of the namespaces made again to put the lab back (see restoreLab). */
  namespaceIds: Record<string, string>;
}

/** Plan from the current kernel back to `before` (the live resources read before the apply). */
async function planBack(run: Runner, topo: Topology, ctx: KindContext, before: Resource[]): Promise<Plan & Remaining> {
  const owned = before.filter((r) => r.owned);
  const obs = await observe(run, topo, ctx, owned.map((r) => r.ns));
  const { changes, conflicts } = diff(owned, obs.live, KINDS);
  const plan = order(ctx.lab.name, changes, KINDS, ctx);
  // What can't be made again as it was (a veth pair whose peer was outside the lab) has no commands: left be.
  const steps = plan.steps.filter((s) => s.cmds.length);
  return { ...plan, steps, conflicts };
}

/**
 * ctx must carry the record of what the apply created (madeState: objects created but not yet marked count as the
 * lab's). A namespace the apply had deleted and that is made again here has a new identity: `recordIds` hears of
 * it as soon as its stage ends (to write it in the record), and the record planned with from then on has it.
 */
export async function restoreLab(run: Runner, topo: Topology, ctx: KindContext, before: Resource[],
  recordIds: (ids: Record<string, string>) => Promise<void> = async () => undefined): Promise<Restored> {
  const out: Restored = { commands: 0, errors: [], remaining: [], namespaceIds: {} };
  let now = ctx;
  const afterStage = async (_s: string, ran: Item[]) => {
    const made = namespacesMade(ran);
    if (!made.length) return;
    Object.assign(out.namespaceIds, await netnsIdentities(made));
    now = { ...now, state: mergeState(now.state, { namespaces: made, namespaceIds: out.namespaceIds }) };
    await recordIds(out.namespaceIds);
  };
  const back = () => settle(() => planBack(run, topo, now, before), 3000) as Promise<Plan & Remaining>;
  let left = await back();
  for (let attempt = 0; attempt < 2 && (left.steps.length || left.conflicts.length); attempt++) {
    const exec = await executePlan(left, { run, renderer: 'silent', rollback: false, failAt: injectedUndoFailure, afterStage });
    out.commands += exec.ran.length;
    left = await back();
    if (exec.error) { out.errors.push(exec.error); break; } // the same commands would fail again
  }
  out.remaining = describeAll(left);
  return out;
}

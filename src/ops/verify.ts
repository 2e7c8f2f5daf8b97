// After apply or destroy: re-read the kernel and check that nothing is left to do. Deleting a namespace frees
// its interfaces asynchronously (the kernel's cleanup_net), so leftover deletions are polled for a short while.
import type { KindContext } from '../core/kind.js';
import type { Step, Topology } from '../model.js';
import type { Runner } from '../io/runner.js';
import { observe } from './observe.js';

export async function verify(run: Runner, topo: Topology | undefined, ctx: KindContext, timeoutMs = 5000): Promise<Step[]> {
  const t0 = Date.now();
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    const obs = await observe(run, topo, ctx);
    const left = obs.plan.steps.filter((s) => s.cmds.length);
    if (!left.length && !obs.conflicts.length) return [];
    const onlyDeletes = left.every((s) => s.op === 'delete');
    if (!onlyDeletes || Date.now() - t0 > timeoutMs) return left;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** nmstate-style: "veth-end:ns1/veth1 up: desired true, current false". */
export function describeRemaining(steps: Step[]): string[] {
  return steps.map((s) => {
    if (s.op === 'update') return `${s.key}: ${(s.fields ?? []).map(([f, l, d]) => `${f}: desired ${JSON.stringify(d)}, current ${JSON.stringify(l)}`).join('; ')}`;
    return `${s.key}: ${s.op === 'create' ? 'desired but missing' : 'present but not desired'}`;
  });
}

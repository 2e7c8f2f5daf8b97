// After apply or destroy: re-read the kernel and check that nothing is left to do. Deleting a namespace frees
// its interfaces asynchronously (the kernel's cleanup_net), so leftover deletions are polled for a short while.
import { claimedNamespace } from '../core/claims.js';
import type { Conflict } from '../core/diff.js';
import type { KindContext } from '../core/kind.js';
import type { Resource, Step, Topology } from '../model.js';
import type { ShapedRead } from '../io/live-shape.js';
import type { Runner } from '../io/runner.js';
import { observe } from './observe.js';

export interface Remaining { steps: Step[]; conflicts: Conflict[] }

/**
 * Re-plan until nothing is left but what is still to be made (deletions may still be in progress in the kernel:
 * a plan made meanwhile would delete what goes by itself a moment later); gives up after timeoutMs. `next` reads
 * the kernel and plans against it.
 */
export async function settle(next: () => Promise<Remaining>, timeoutMs: number): Promise<Remaining> {
  const t0 = Date.now();
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    const r = await next();
    if (!r.steps.length && !r.conflicts.length) return r;
    // A deleted namespace's name is gone at once; only what it held elsewhere (a veth's peer) goes later.
    const pending = !r.conflicts.length
      && r.steps.some((s) => s.op === 'delete' && !s.live!.claims.some((c) => claimedNamespace(c) !== undefined));
    if (!pending || Date.now() - t0 > timeoutMs) return r;
    await new Promise((res) => setTimeout(res, wait));
  }
}

/**
 * How long verification waits for deletions still in progress in the kernel. Only these are waited for (anything
 * else left is reported at once): the kernel frees what a deleted namespace held elsewhere (a veth's peer) in its
 * one machine-wide cleanup work, which other namespaces being deleted on the machine at the same time make wait —
 * more than 5 s was seen with many sandboxes tearing down at once.
 */
export const PENDING_DELETIONS_MS = 30_000;

/**
 * What still differs from the file (or, for destroy, from nothing) after the commands ran; empty when verified.
 * `readBack`: namespaces the apply's batches already read back right after their last command (see
 * io/run-grouped.ts); the first look uses them instead of reading those namespaces again, later ones read all.
 * `desired`: the file's resources, when the caller has them (see planFrom).
 */
export async function verify(run: Runner, topo: Topology | undefined, ctx: KindContext, timeoutMs = PENDING_DELETIONS_MS,
  readBack?: Map<string, ShapedRead>, desired?: Resource[]): Promise<string[]> {
  let known = readBack;
  const r = await settle(async () => {
    const obs = await observe(run, topo, ctx, [], { known }, desired);
    known = undefined;
    return { steps: obs.plan.steps.filter((s) => s.cmds.length), conflicts: obs.conflicts };
  }, timeoutMs);
  return describeAll(r);
}

export function describeAll(r: Remaining): string[] {
  return [...describeRemaining(r.steps), ...r.conflicts.map((c) => `${c.key}: held by ${c.holder}, which the lab does not own`)];
}

/** nmstate-style: "veth-end:ns1/veth1 up: desired true, current false". */
export function describeRemaining(steps: Step[]): string[] {
  return steps.map((s) => {
    if (s.op === 'update') return `${s.key}: ${(s.fields ?? []).map(([f, l, d]) => `${f}: desired ${JSON.stringify(d)}, current ${JSON.stringify(l)}`).join('; ')}`;
    return `${s.key}: ${s.op === 'create' ? 'desired but missing' : 'present but not desired'}`;
  });
}

// The pure core under load, no kernel: validate a generated star file of N namespaces, then plan it (resolve,
// diff, order) against an empty snapshot (a cold apply) and against the snapshot of the built lab (a no-op).
import { labIdentity } from '../src/core/lab.js';
import { isEmpty } from '../src/core/order.js';
import { planFrom } from '../src/kinds/index.js';
import { emptyState } from '../src/core/state.js';
import { validateText } from '../src/validate/index.js';
import { emptyLive, starLive } from './live-synth.js';
import { LAB, starYaml } from './star.js';

export interface CoreSample { validateMs: number; planMs: number; totalMs: number; noopPlanMs: number; steps: number }

export function coreOnce(n: number): CoreSample {
  const text = starYaml(n);
  const ctx = { lab: labIdentity(LAB), state: emptyState(LAB) };
  const t0 = performance.now();
  const v = validateText(text, `star-${n}.yaml`);
  const t1 = performance.now();
  if (!v.topo) throw new Error(`core bench: the generated file is invalid: ${JSON.stringify(v.problems.slice(0, 3))}`);
  const cold = planFrom(v.topo, emptyLive(), ctx);
  const t2 = performance.now();
  if (cold.conflicts.length) throw new Error(`core bench: conflicts against an empty snapshot: ${cold.conflicts[0].label}`);
  const noop = planFrom(v.topo, starLive(n, ctx.lab), ctx);
  const t3 = performance.now();
  if (!isEmpty(noop.plan) || noop.conflicts.length) {
    const s = noop.plan.steps.find((x) => x.cmds.length);
    throw new Error(`core bench: the built lab's snapshot should plan to nothing, got ${s ? `${s.op} ${s.key}` : noop.conflicts[0].label}`);
  }
  return { validateMs: t1 - t0, planMs: t2 - t1, totalMs: t2 - t0, noopPlanMs: t3 - t2, steps: cold.plan.steps.length };
}

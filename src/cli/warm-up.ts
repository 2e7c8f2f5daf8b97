// What `npm run build` runs once in the freshly built bundle before it saves V8's code cache of it
// (scripts/bundle.mjs, dist/topo.cache): the pure pipeline over the given lab files — load, validate, resolve, diff
// against a machine with nothing on it, order, and the plan's three renderings — so that the functions every
// command runs are in the cache already compiled. No kernel access, no writes, nothing printed.
import { readFileSync } from 'node:fs';
import { labIdentity } from '../core/lab.js';
import type { LiveSnapshot } from '../core/live.js';
import { emptyState } from '../core/state.js';
import { planFrom, scriptRecords } from '../kinds/index.js';
import { planJson, renderPlanScript, renderPlanText } from '../render/plan.js';
import { validateText } from '../validate/index.js';

const nothingLive = (): LiveSnapshot => ({ netns: [], ns: { host: { name: 'host', links: [], routes: [], sysctls: {}, nsids: {} } } });

/** Runs the pure pipeline over each file; returns how many files planned (the build checks it is not zero). */
export function warmUp(files: string[]): number {
  let planned = 0;
  for (const file of files) {
    const { topo } = validateText(readFileSync(file), file);
    if (!topo || topo.machines) continue;
    const ctx = { lab: labIdentity(topo.name), state: emptyState(topo.name) };
    const { plan, desired } = planFrom(topo, nothingLive(), ctx);
    renderPlanText(plan, { commands: true });
    renderPlanScript(plan, file, scriptRecords(ctx.state, plan, desired));
    JSON.stringify(planJson(plan));
    planned++;
  }
  return planned;
}

// A stage's per-namespace batches for many namespaces at once, through io/ns-group.ts (few Node spawns instead of
// one per namespace). Same contract as run-step-cmds.ts: what ran is reported command by command, and a failing
// line is mapped back to its command, so the error names the step, the exact argv and the kernel's words. With
// `readBack`, each batch ends by printing the namespace's interfaces and routes, read in the same process right
// after its last command: verification uses them instead of reading every namespace again.
import { CommandFailed } from '../errors.js';
import { jsonDocs } from './live-shape.js';
import { HOST } from '../model.js';
import { argvOf, batchLine } from './commands.js';
import { GROUP_FROM, nsBatchArgv, runNsJobs } from './ns-group.js';
import { PARALLEL } from './pool.js';
import { readLines } from './read-live.js';
import type { Runner } from './runner.js';
import type { Item, SegmentResult } from './run-step-cmds.js';
import type { FailAt } from './test-hooks.js';

/**
 * The namespaces whose whole share of the stage is one `ip` batch, when there are enough of them to group.
 * Never with a test hook active (injected failures and crashes act on single segments, see test-hooks.ts).
 */
export function groupableSegments(byNs: Map<string, Item[]>, failAt: FailAt): Item[][] {
  if (process.env.TOPO_CRASH_AFTER !== undefined) return [];
  const segs = [...byNs].filter(([ns, items]) => ns !== HOST && items.every((it) => it.cmd.tool === 'ip' && !failAt(it.cmd)))
    .map(([, items]) => items);
  return segs.length >= GROUP_FROM ? segs : [];
}

export interface GroupedResult extends Pick<SegmentResult, 'done' | 'failed'> {
  /** Per namespace, the JSON documents of `addr show` and `route show table all` after its batch (readBack only). */
  readBack: Map<string, unknown[]>;
}

export async function runGroupedSegments(run: Runner, segs: Item[][], opts: { readBack: boolean; stop: () => boolean }): Promise<GroupedResult> {
  const jobs = segs.map((seg) => ({
    ns: seg[0].cmd.ns,
    lines: [...seg.map((it) => batchLine(it.cmd)), ...(opts.readBack ? readLines(seg[0].cmd.ns) : [])],
    shows: opts.readBack ? readLines(seg[0].cmd.ns).length : 0,
  }));
  const results = await runNsJobs(run, jobs, PARALLEL, opts.stop);
  const out: GroupedResult = { done: [], readBack: new Map() };
  results.forEach((r, i) => {
    const seg = segs[i];
    if (r.status === 'ok') {
      out.done.push(...seg);
      if (opts.readBack) out.readBack.set(seg[0].cmd.ns, jsonDocs(r.stdout.join('\n'), nsBatchArgv(seg[0].cmd.ns)));
    } else if (r.status === 'failed' && r.line > seg.length) {
      out.done.push(...seg); // every command ran; only the read-back failed: verification reads this namespace itself
    } else if (r.status !== 'not-run') {
      const idx = r.status === 'failed' ? r.line - 1 : 0;
      const item = seg[idx];
      out.done.push(...seg.slice(0, idx));
      out.failed ??= { item, error: new CommandFailed(item.step.label, argvOf(item.cmd), r.stderr, 1) };
    }
  });
  return out;
}

// A stage's per-namespace batches for many namespaces at once, through io/ns-group.ts (few Node spawns instead of
// one per namespace). Same contract as run-step-cmds.ts: what ran is reported command by command, and a failing
// line is mapped back to its command, so the error names the step, the exact argv and the kernel's words. With
// `readBack`, each batch ends by printing what reading the namespace prints (io/ip-reads.ts: its interfaces, routes
// and the kinds' lines), in the same process right after its last command: verification uses it instead of reading
// every namespace again.
import { CommandFailed } from '../errors.js';
import type { IpRead } from '../core/live.js';
import type { ShapedRead } from './live-shape.js';
import { nsReads, readOf, showLines } from './ip-reads.js';
import { HOST } from '../model.js';
import { argvOf, batchLine } from '../core/commands.js';
import { GROUP_FROM, nsBatchArgv, runNsJobs, type NsJobResult } from './ns-group.js';
import { PARALLEL } from './pool.js';
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
  /** Per namespace, its read right after its batch (readBack only). */
  readBack: Map<string, ShapedRead>;
}

/** `readBack`: the kinds' `ip` reads, when each batch ends with the namespace's read (see nsReads). */
export async function runGroupedSegments(run: Runner, segs: Item[][], opts: { readBack?: IpRead[]; stop: () => boolean }): Promise<GroupedResult> {
  const reads = (ns: string) => (opts.readBack ? nsReads(ns, opts.readBack) : []);
  const jobs = segs.map((seg) => {
    const ns = seg[0].cmd.ns, shows = showLines(reads(ns));
    return { ns, lines: [...seg.map((it) => batchLine(it.cmd)), ...shows], shows: shows.length };
  });
  const out: GroupedResult = { done: [], readBack: new Map() };
  // Read-backs are shaped as each group ends, while the others still run (not all at the end). Output that can't
  // be read is left out (verification then reads that namespace itself, and names the command if it fails again):
  // throwing here would stop the other groups' bookkeeping half way.
  const shape = (i: number, r: NsJobResult) => {
    const ns = segs[i][0].cmd.ns;
    if (!opts.readBack || r.status !== 'ok') return;
    try { out.readBack.set(ns, readOf(reads(ns), r.stdout.join('\n'), nsBatchArgv(ns))); } catch { /* read again */ }
  };
  const results = await runNsJobs(run, jobs, PARALLEL, opts.stop, shape);
  results.forEach((r, i) => {
    const seg = segs[i];
    if (r.status === 'ok') {
      out.done.push(...seg);
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

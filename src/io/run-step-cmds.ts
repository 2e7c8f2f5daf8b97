// Running a namespace's share of a stage: consecutive `ip` commands as one `ip -batch` process, others one by one.
// A failing batch line is mapped back to its command, so errors name the step, the exact argv and the kernel's words.
import type { Cmd, Step } from '../model.js';
import { CommandFailed } from '../errors.js';
import { argvOf, batchArgv, batchLine } from './commands.js';
import type { Runner } from './runner.js';
import { crashNow, reserveCommands, type FailAt } from './test-hooks.js';

export interface Item { step: Step; cmd: Cmd }

/** Split into segments: a run of ip commands (one batch) or a single other command. */
export function segments(items: Item[]): Item[][] {
  const out: Item[][] = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (it.cmd.tool === 'ip' && last && last[0].cmd.tool === 'ip') last.push(it);
    else out.push([it]);
  }
  return out;
}

export interface SegmentResult { done: Item[]; failed?: { item: Item; error: CommandFailed } }

export async function runSegment(run: Runner, seg: Item[], failAt?: FailAt): Promise<SegmentResult> {
  const injected = seg.findIndex((it) => failAt?.(it.cmd));
  if (injected >= 0) {
    const head = await runSegment(run, seg.slice(0, injected));
    if (head.failed) return head;
    const it = seg[injected];
    return { done: head.done, failed: { item: it, error: new CommandFailed(it.step.label, argvOf(it.cmd), failAt!(it.cmd)!, 1) } };
  }
  if (!seg.length) return { done: [] };
  const { run: n, crashAfter, starve } = reserveCommands(seg.length);
  if (starve) await new Promise(() => undefined); // TOPO_CRASH_AFTER: another segment is about to kill -9 us
  const r = n ? await runCommands(run, seg.slice(0, n)) : { done: [] };
  if (crashAfter) crashNow();
  return r;
}

async function runCommands(run: Runner, seg: Item[]): Promise<SegmentResult> {
  const first = seg[0].cmd;
  if (first.tool !== 'ip' || seg.length === 1) {
    const argv = argvOf(first);
    const r = await run(argv, { input: first.input });
    if (r.exitCode === 0) return { done: seg };
    return { done: [], failed: { item: seg[0], error: new CommandFailed(seg[0].step.label, argv, r.stderr, r.exitCode) } };
  }
  const r = await run(batchArgv(first.ns), { input: seg.map((it) => batchLine(it.cmd)).join('\n') + '\n' });
  if (r.exitCode === 0) return { done: seg };
  const m = /Command failed -:(\d+)/.exec(r.stderr);
  const idx = m ? Number(m[1]) - 1 : 0;
  const item = seg[Math.min(idx, seg.length - 1)];
  const msg = r.stderr.replace(/Command failed -:\d+\s*/g, '').trim();
  return { done: seg.slice(0, idx), failed: { item, error: new CommandFailed(item.step.label, argvOf(item.cmd), msg, r.exitCode) } };
}

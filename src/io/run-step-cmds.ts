// Running a namespace's share of a stage: consecutive `ip` commands as one `ip -batch` process (many `netns add` as a
// few batches side by side, see sideBySide; consecutive `tc` commands as one `tc -batch`), others one by one (file
// operations by topo itself, see io/file-tool.ts). With the netlink engine, `ip` commands, tbf qdisc commands of
// `tc`, sysctls and nft scripts are carried out in-process (io/netlink/writer.ts), those it can't read still through
// their tools.
// A failing batch line is mapped back to its command, so errors name the step, the exact argv and the kernel's words.
// A namespace's last batch may end with `show` lines (readBack, as in run-grouped.ts): the same `ip` then prints
// the namespace's state right after its last command, for verification.
import { availableParallelism } from 'node:os';
import type { Cmd, Step } from '../model.js';
import { CommandFailed } from '../errors.js';
import { argvOf, batchArgv, batchFailedLine, batchLine, batchMessage, BATCHED } from '../core/commands.js';
import type { IpRead } from '../core/live.js';
import type { ShapedRead } from './live-shape.js';
import { readOf, showLines } from './ip-reads.js';
import { nsBatchArgv } from './ns-group.js';
import type { Runner } from './runner.js';
import { runProcessCmd } from './process-tool.js';
import { runFileCmd } from './file-tool.js';
import { crashNow, reserveCommands, traceCommand, type FailAt } from './test-hooks.js';
import { type NetlinkWriter, WriteRefused } from './netlink/writer.js';

export interface Item { step: Step; cmd: Cmd }

/** Split into segments: a run of ip (or of tc) commands (one batch) or a single other command. */
export function segments(items: Item[]): Item[][] {
  const out: Item[][] = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (BATCHED.has(it.cmd.tool) && last && last[0].cmd.tool === it.cmd.tool) last.push(it);
    else out.push([it]);
  }
  return out;
}

export interface SegmentResult {
  done: Item[];
  failed?: { item: Item; error: CommandFailed };
  /** What the `shows` lines printed, shaped, when asked for and every command and show ran. */
  readBack?: ShapedRead;
}

/**
 * `shows`: reads whose lines end an ip batch (see io/ip-reads.ts; ignored for other commands, and when a test hook
 * cuts the segment); with `nl`, read in-process right after the segment. `nl`: the netlink engine's writer, which
 * carries out the `ip` commands it can in-process (the others still run through `ip`).
 */
export async function runSegment(run: Runner, seg: Item[], failAt?: FailAt, shows: IpRead[] = [], nl?: NetlinkWriter): Promise<SegmentResult> {
  const injected = seg.findIndex((it) => failAt?.(it.cmd));
  if (injected >= 0) {
    const head = await runSegment(run, seg.slice(0, injected), undefined, [], nl);
    if (head.failed) return head;
    const it = seg[injected];
    return { done: head.done, failed: { item: it, error: new CommandFailed(it.step.label, argvOf(it.cmd), failAt!(it.cmd)!, 1) } };
  }
  if (!seg.length) return { done: [] };
  const { run: n, crashAfter, starve } = reserveCommands(seg.length);
  if (starve) await new Promise(() => undefined); // TOPO_CRASH_AFTER: another segment is about to kill -9 us
  const r = n ? await runCommands(run, seg.slice(0, n), n === seg.length ? shows : [], nl) : { done: [] };
  if (crashAfter) crashNow();
  return r;
}

async function runCommands(run: Runner, seg: Item[], shows: IpRead[], nl?: NetlinkWriter): Promise<SegmentResult> {
  const first = seg[0].cmd;
  if ((first.tool === 'ip' || first.tool === 'ip6' || first.tool === 'tc') && nl) {
    const r = await runInProcess(run, seg, nl);
    // The namespace read back right after its last command, as the ip engine's batch ends with its show lines.
    return r.failed || !shows.length ? r : { ...r, readBack: nl.readBack(first.ns, shows) };
  }
  // A sysctl or an nft script: one command per segment, in-process where the writer can (else its process).
  if ((first.tool === 'sysctl' || first.tool === 'nft') && nl) return runInProcess(run, seg, nl);
  return runProcesses(run, seg, shows, nl);
}

/**
 * The segment's commands as processes: one, or one batch of its tool. A process may change what the netlink writer
 * knows of the kernel: it is told before and after (NetlinkWriter.changedOutside).
 */
async function runProcesses(run: Runner, seg: Item[], shows: IpRead[], nl?: NetlinkWriter): Promise<SegmentResult> {
  nl?.changedOutside();
  try {
    return await processes(run, seg, shows);
  } finally {
    nl?.changedOutside();
  }
}

async function processes(run: Runner, seg: Item[], shows: IpRead[]): Promise<SegmentResult> {
  const first = seg[0].cmd;
  if (first.tool === 'ip' && shows.length) return runWithShows(run, seg, shows);
  if (!BATCHED.has(first.tool) || seg.length === 1) {
    const argv = argvOf(first);
    const r = first.tool === 'file' ? await runFileCmd(first) : first.tool === 'spawn' ? await runProcessCmd(first) : await run(argv, { input: first.input });
    if (r.exitCode === 0) return { done: seg };
    return { done: [], failed: { item: seg[0], error: new CommandFailed(seg[0].step.label, argv, r.stderr, r.exitCode) } };
  }
  const parts = sideBySide(seg);
  if (parts.length > 1) {
    const rs = await Promise.all(parts.map((part) => oneBatch(run, part)));
    const failed = rs.find((r) => r.failed)?.failed;
    return { done: rs.flatMap((r) => r.done), ...(failed ? { failed } : {}) };
  }
  return oneBatch(run, seg);
}

/** The segment as one batch of its tool (`ip -batch -`, `tc -batch -`), stopping at its first failure. */
async function oneBatch(run: Runner, seg: Item[]): Promise<SegmentResult> {
  const first = seg[0].cmd;
  const lines = seg.map((it) => batchLine(it.cmd));
  const r = await run(batchArgv(first.ns, false, first.tool as 'ip' | 'tc'), { input: lines.join('\n') + '\n' });
  return r.exitCode === 0 ? { done: seg } : batchFailure(seg, lines, r.stderr, r.exitCode);
}

/** Batches that make namespaces at once (see sideBySide): one per CPU, at most 4. */
const SIDE_BY_SIDE = Math.min(4, availableParallelism());
/** Namespaces a batch of them makes at least, when split: fewer aren't worth a process. */
const MIN_PER_BATCH = 32;

/**
 * A batch that only makes namespaces (`ip netns add`: each a namespace of its own, in any order) split into batches
 * that run side by side; any other batch stays one (its lines' order matters). Making a namespace is the kernel's
 * work, which the CPUs share: 300 in one batch took 96–100 ms on a 2-CPU machine, in two at once 56–62 ms (three or
 * four: no better). Each part stops at its own first failure; what every part ran is what ran.
 */
export function sideBySide(seg: Item[], n = SIDE_BY_SIDE): Item[][] {
  const k = Math.min(n, Math.floor(seg.length / MIN_PER_BATCH));
  if (k < 2 || !seg.every((it) => it.cmd.tool === 'ip' && it.cmd.args[0] === 'netns' && it.cmd.args[1] === 'add')) return [seg];
  const size = Math.ceil(seg.length / k);
  return Array.from({ length: Math.ceil(seg.length / size) }, (_, i) => seg.slice(i * size, (i + 1) * size));
}

/** The batch's commands, then the reads' show lines, in one `ip -json -d -batch`. */
async function runWithShows(run: Runner, seg: Item[], shows: IpRead[]): Promise<SegmentResult> {
  const argv = nsBatchArgv(seg[0].cmd.ns);
  const lines = [...seg.map((it) => batchLine(it.cmd)), ...showLines(shows)];
  const r = await run(argv, { input: lines.join('\n') + '\n' });
  if (r.exitCode === 0) {
    // Output that can't be read: the commands ran all the same; verification reads this namespace itself.
    try { return { done: seg, readBack: readOf(shows, r.stdout, argv) }; } catch { return { done: seg }; }
  }
  // Only a show line failed: every command ran; verification reads this namespace itself.
  if (batchFailedLine(r.stderr, lines) > seg.length) return { done: seg };
  return batchFailure(seg, lines, r.stderr, r.exitCode);
}

/**
 * The `ip` (or `tc`) commands of a segment, or its one `ip -6`, sysctl or nft command, with the netlink engine: each
 * one the writer can carry out (NetlinkWriter.operation), in-process, one after the other (each traced first, as
 * ["in-process", ...its argv], for the tests' trace hooks); runs of the others as one batch of their tool (or one
 * process), in their place in the order. Stops at the first refusal, which names the command as the plan prints it and the tool's words
 * for the kernel's answer.
 */
async function runInProcess(run: Runner, seg: Item[], nl: NetlinkWriter): Promise<SegmentResult> {
  const done: Item[] = [];
  const ops = seg.map((it) => nl.operation(it.cmd)); // each command read once
  for (let i = 0; i < seg.length;) {
    const op = ops[i];
    if (!op) {
      let j = i + 1;
      while (j < seg.length && !ops[j]) j++;
      const r = await runProcesses(run, seg.slice(i, j), [], nl);
      done.push(...r.done);
      if (r.failed) return { done, failed: r.failed };
      i = j;
      continue;
    }
    const argv = argvOf(seg[i].cmd);
    traceCommand(['in-process', ...argv]);
    try {
      op();
    } catch (e) {
      if (!(e instanceof WriteRefused)) throw e;
      return { done, failed: { item: seg[i], error: new CommandFailed(seg[i].step.label, argv, e.message, e.exitCode) } };
    }
    done.push(seg[i]);
    i++;
  }
  return { done };
}

/**
 * Which command of the batch failed, with the kernel's words; the ones before it ran. When ip did not say which
 * (see batchFailedLine), none is counted as run (rollback then converges back from what it reads) and the error
 * says so, naming the first command.
 */
export function batchFailure(seg: Item[], lines: string[], stderr: string, exitCode: number): SegmentResult {
  const line = batchFailedLine(stderr, lines);
  const idx = Math.min(Math.max(line - 1, 0), seg.length - 1);
  const item = seg[idx];
  const said = line ? batchMessage(stderr) : `${batchMessage(stderr)}\n(${item.cmd.tool} did not say which of the batch's ${seg.length} commands failed; this is the first)`;
  return { done: seg.slice(0, line ? idx : 0), failed: { item, error: new CommandFailed(item.step.label, argvOf(item.cmd), said, exitCode) } };
}

// Many namespaces' `ip -batch` scripts with few process spawns from Node. A spawn from Node forks the whole Node
// process (1.5–2.5 ms of its single thread each, more as its heap grows), and `ip -n NS` / `ip netns exec` copy
// the mount table (one mount per namespace in /run/netns) to remount /sys, which `ip` doesn't need for netlink:
// both grow with the size of the lab. So each group of namespaces is one launcher process that runs, one after
// the other, `ip -json -d -batch -` inside each namespace (setns only), each namespace's script on that `ip`'s
// stdin (never in a file: see launchers.ts). Groups run in parallel. The launcher (see launchers.ts) is a few
// lines of Perl that fork, setns() and exec `ip`: one exec per namespace; where Perl or its setns number is
// missing, one `ip -n` spawn per namespace.
//
// Every script ends with `show` lines, so a job that ran to its end prints exactly that many JSON lines (one per
// show) and the group's stdout splits into jobs by counting; a job that failed prints nothing and is named on
// stderr by the launcher, right after its own `ip`'s words ("Command failed -:L", L the failing line of its
// script), or as a namespace it could not open. The launcher goes on with the next job after a failure, so a
// group reports every job: ok, failed, or (if the group itself died) not run.
import { basename, dirname } from 'node:path';
import { HOST } from '../model.js';
import { batchFailedLine, batchMessage } from '../core/commands.js';
import { NETNS_DIR } from './netns-identity.js';
import { pool } from './pool.js';
import { GONE, JOB_FAILED, launch } from './launchers.js';
import type { Runner } from './runner.js';

export interface NsJob {
  ns: string;
  /** Lines of the namespace's `ip -batch` script (already quoted for the batch parser). */
  lines: string[];
  /** How many of the lines, at the end, are `show` commands whose JSON documents are wanted. */
  shows: number;
}

export type NsJobResult =
  | { status: 'ok'; stdout: string[] }
  /** The namespace does not exist (deleted meanwhile). */
  | { status: 'gone'; stderr: string }
  /** Line `line` (1-based) of the job's script failed; `stderr` is what was said about it. */
  | { status: 'failed'; line: number; stderr: string }
  | { status: 'not-run' };

/** From this many namespaces on, their batches run in groups rather than one spawn each. */
export const GROUP_FROM = 8;
/** Jobs per group process at most: an interrupted apply waits for the running groups to end. */
const MAX_GROUP = 64;
/** The one `ip` that runs a namespace's script on its own (stdin), and names it in errors about its output. */
export const nsBatchArgv = (ns: string) => ['ip', ...(ns === HOST ? [] : ['-n', ns]), '-json', '-d', '-batch', '-'];
/** Ends a script that wants no output: proves the script ran to its end. */
const MARKER = 'link show dev lo';

/**
 * Run the jobs (each in its own namespace, never the host); results in the order of the jobs. `stop` is asked
 * before each group starts: once it says so, the remaining groups are not run. `settled` hears of each job's
 * result as soon as its group is done (while other groups still run).
 */
export async function runNsJobs(run: Runner, jobs: NsJob[], parallel: number, stop?: () => boolean,
  settled?: (i: number, r: NsJobResult) => void): Promise<NsJobResult[]> {
  const out: NsJobResult[] = jobs.map(() => ({ status: 'not-run' }));
  if (!jobs.length) return out;
  const scripts = jobs.map((j) => (j.shows ? j.lines : [...j.lines, MARKER]));
  const size = Math.min(MAX_GROUP, Math.ceil(jobs.length / parallel));
  const groups: number[][] = [];
  for (let i = 0; i < jobs.length; i += size) groups.push(jobs.slice(i, i + size).map((_, k) => i + k));
  const runGroup = async (g: number[]) => {
    const r = await launch(run, g.map((i) => ({ nsPath: `${NETNS_DIR}/${jobs[i].ns}`, script: `${scripts[i].join('\n')}\n` })));
    if (!r) {
      // No launcher here: one `ip -n` spawn per namespace instead.
      for (const i of g) out[i] = await runAlone(run, jobs[i], scripts[i]);
      return;
    }
    const failed = failuresOf(r.stderr, new Map(g.map((i) => [jobs[i].ns, i])), scripts);
    const lines = r.stdout.split('\n').slice(0, -1);
    const wants = (i: number) => {
      const n = jobs[i].shows || 1, f = failed.get(i);
      // A script failing in its trailing show lines printed the ones before.
      return !f ? n : f.status === 'failed' ? Math.max(0, f.line - 1 - (scripts[i].length - n)) : 0;
    };
    const finished = r.exitCode === 0 || r.exitCode === 123; // every job ran (123: some failed)
    if (finished && lines.length !== g.reduce((a, i) => a + wants(i), 0)) {
      const why = `could not tell which namespace scripts ran (${r.argv[0]} exit ${r.exitCode}, ${lines.length} lines): ${r.stderr.trim()}`;
      for (const i of g) out[i] = failed.get(i) ?? { status: 'failed', line: 1, stderr: why };
      return;
    }
    let at = 0;
    for (const i of g) {
      const f = failed.get(i), n = wants(i);
      if (f) out[i] = f;
      else if (at + n <= lines.length) out[i] = { status: 'ok', stdout: jobs[i].shows ? lines.slice(at, at + n) : [] };
      else {
        // The group died (killed): this job may have run in part, the ones after it did not run.
        out[i] = { status: 'failed', line: 1, stderr: `${r.stderr.trim()}\n(${r.argv[0]} exit ${r.exitCode})`.trim() };
        break;
      }
      at += n;
    }
  };
  await pool(groups, parallel, async (g) => {
    if (stop?.()) return;
    await runGroup(g);
    for (const i of g) settled?.(i, out[i]);
  });
  return out;
}

/**
 * Failed jobs from the group's stderr. A job's `ip` says what failed, then "Command failed -:L"; after it exits the
 * launcher names the job (JOB_FAILED), or names a namespace it could not open (GONE) before that. An `ip` that
 * refused an argument says no line: its words are matched against the job's script (see batchFailedLine).
 */
function failuresOf(stderr: string, byNs: Map<string, number>, scripts: string[][]): Map<number, NsJobResult> {
  const out = new Map<number, NsJobResult>();
  const jobOf = (path: string) => (dirname(path) === NETNS_DIR ? byNs.get(basename(path)) : undefined);
  let said: string[] = [], line = 0;
  for (const text of stderr.split('\n')) {
    const at = batchFailedLine(text);
    if (at) { line = at; continue; } // ip's "Command failed -:L": the launcher names the job next
    const gone = GONE.exec(text), failed = JOB_FAILED.exec(text);
    const i = gone ? jobOf(gone[1]) : failed ? jobOf(failed[1]) : undefined;
    if (i === undefined) {
      if (text.trim()) said.push(text);
      continue;
    }
    if (gone) out.set(i, { status: 'gone', stderr: text });
    else if (!out.has(i)) out.set(i, { status: 'failed', line: line || batchFailedLine(said.join('\n'), scripts[i]) || 1, stderr: said.join('\n') });
    said = [];
    line = 0;
  }
  return out;
}

async function runAlone(run: Runner, job: NsJob, script: string[]): Promise<NsJobResult> {
  const r = await run(nsBatchArgv(job.ns), { input: `${script.join('\n')}\n` });
  const lines = r.stdout.split('\n').filter((l) => l.trim());
  if (r.exitCode === 0) return { status: 'ok', stdout: job.shows ? lines.slice(-job.shows) : [] };
  if (/Cannot open network namespace/.test(r.stderr)) return { status: 'gone', stderr: r.stderr.trim() };
  return { status: 'failed', line: batchFailedLine(r.stderr, script) || 1, stderr: batchMessage(r.stderr) };
}

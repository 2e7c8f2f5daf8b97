// The one place processes are started. Everything else passes argv arrays here (never a shell string).
import { spawn, type ChildProcess } from 'node:child_process';
import { getSystemErrorMap } from 'node:util';
import { traceCommand } from './test-hooks.js';

export interface RunResult { stdout: string; stderr: string; exitCode: number }
export interface RunOptions { input?: string; timeoutMs?: number }
export type Runner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

/**
 * Every argv started is traced first when the tests ask for it (io/test-hooks.ts traceCommand). Never rejects: a
 * process that could not be started is a result too (exit 127 when the command is not installed, 126 for any
 * other reason: too many open files, no memory or processes left, not executable), so the step it belongs to
 * fails and is rolled back like any other.
 */
export const runProcess: Runner = (argv, opts = {}) => {
  traceCommand(argv);
  return new Promise((resolve) => {
    let settled = false;
    // The time limit is a timer of our own, cleared as the process ends or fails to start: Node's `timeout` option
    // keeps its timer alive after a failed spawn (a missing command), holding topo up for the whole limit.
    let timer: NodeJS.Timeout | undefined;
    const settle = (r: RunResult) => { clearTimeout(timer); if (!settled) { settled = true; resolve(r); } };
    const notStarted = (e: unknown) => settle(spawnFailure(argv[0], e as NodeJS.ErrnoException));
    let child: ChildProcess;
    try {
      // node:child_process directly: a large lab runs hundreds of short `ip` processes, and execa's per-call work
      // (option normalisation, stream plumbing) made each cost about twice as much (see docs/performance.md).
      child = spawn(argv[0], argv.slice(1), {
        env: { ...process.env, LC_ALL: 'C' }, stdio: 'pipe',
        // Own process group: a Ctrl-C at the terminal reaches topo only, which lets the running batch finish and
        // then rolls back, instead of killing `ip` half way through its batch.
        detached: true,
      });
    } catch (e) {
      notStarted(e); // ENOMEM, E2BIG, ...: Node throws these at once
      return;
    }
    // A failed spawn is reported as an 'error' event (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE), possibly followed by
    // more of them and by 'close': a listener for all of them, and the first one settles.
    child.on('error', notStarted);
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    // EMFILE/ENFILE: Node gives up before creating the pipes (its 'error' event is on its way).
    if (!child.stdin || !child.stdout || !child.stderr) return;
    const out: Buffer[] = [], err: Buffer[] = [];
    // A pipe that fails is closed, and 'close' still comes: its 'error' needs a listener, nothing more.
    child.stdout.on('data', (d: Buffer) => out.push(d)).on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => err.push(d)).on('error', () => undefined);
    child.stdin.on('error', () => undefined); // a command may exit without reading all of its input
    child.stdin.end(opts.input ?? '');
    child.once('close', (code, signal) => {
      let stderr = Buffer.concat(err).toString('utf8');
      if (signal) stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}${argv[0]} was killed by ${signal}${opts.timeoutMs ? ` (time limit ${opts.timeoutMs} ms)` : ''}\n`;
      settle({ stdout: Buffer.concat(out).toString('utf8'), stderr, exitCode: code ?? 128 });
    });
  });
};

/** The result of a process that could not be started, in the words of the system's error. */
export function spawnFailure(cmd: string, e: NodeJS.ErrnoException): RunResult {
  if (e.code === 'ENOENT') return { stdout: '', stderr: `${cmd}: command not found`, exitCode: 127 };
  const why = (typeof e.errno === 'number' && getSystemErrorMap().get(e.errno)?.[1]) || e.message;
  return { stdout: '', stderr: `${cmd} could not be started: ${why}${e.code ? ` (${e.code})` : ''}`, exitCode: 126 };
}

// The one place processes are started. Everything else passes argv arrays here (never a shell string).
import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

export interface RunResult { stdout: string; stderr: string; exitCode: number }
export interface RunOptions { input?: string; timeoutMs?: number }
export type Runner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

/** Every argv started is appended to $TOPO_TRACE_FILE when set (tests check "no ip command ran"). */
export const runProcess: Runner = (argv, opts = {}) => {
  const trace = process.env.TOPO_TRACE_FILE;
  if (trace) appendFileSync(trace, `${JSON.stringify(argv)}\n`);
  // node:child_process directly: a large lab runs hundreds of short `ip` processes, and execa's per-call work
  // (option normalisation, stream plumbing) made each cost about twice as much (see docs/performance.md).
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, LC_ALL: 'C' }, stdio: 'pipe', timeout: opts.timeoutMs,
      // Own process group: a Ctrl-C at the terminal reaches topo only, which lets the running batch finish and
      // then rolls back, instead of killing `ip` half way through its batch.
      detached: true,
    });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => undefined); // a command may exit without reading all of its input
    child.stdin.end(opts.input ?? '');
    child.once('error', (e: NodeJS.ErrnoException) => resolve({
      stdout: '', stderr: e.code === 'ENOENT' ? `${argv[0]}: command not found` : String(e.message), exitCode: 127,
    }));
    child.once('close', (code, signal) => {
      let stderr = Buffer.concat(err).toString('utf8');
      if (signal) stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}${argv[0]} was killed by ${signal}${opts.timeoutMs ? ` (time limit ${opts.timeoutMs} ms)` : ''}\n`;
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr, exitCode: code ?? 128 });
    });
  });
};

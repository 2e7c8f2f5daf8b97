// The one place processes are started. Everything else passes argv arrays here (never a shell string).
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';

export interface RunResult { stdout: string; stderr: string; exitCode: number }
export interface RunOptions { input?: string; timeoutMs?: number }
export type Runner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

/** Every argv started is appended to $TOPO_TRACE_FILE when set (tests check "no ip command ran"). */
export const runProcess: Runner = async (argv, opts = {}) => {
  const trace = process.env.TOPO_TRACE_FILE;
  if (trace) appendFileSync(trace, `${JSON.stringify(argv)}\n`);
  const r = await execa(argv[0], argv.slice(1), {
    input: opts.input ?? '', reject: false, timeout: opts.timeoutMs, stripFinalNewline: false, env: { LC_ALL: 'C' },
    // Own process group: a Ctrl-C at the terminal reaches topo only, which lets the running batch finish and
    // then rolls back, instead of killing `ip` half way through its batch.
    detached: true,
  });
  if (r.failed && r.exitCode === undefined) {
    const missing = (r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    return { stdout: '', stderr: missing ? `${argv[0]}: command not found` : String(r.message), exitCode: 127 };
  }
  return { stdout: r.stdout as string, stderr: r.stderr as string, exitCode: r.exitCode ?? 1 };
};

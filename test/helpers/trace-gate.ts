// Holding topo between two commands, with the trace hooks of src/io/test-hooks.ts: topo appends each argv to
// $TOPO_TRACE_FILE just before starting the process, then waits for one byte from the FIFO $TOPO_TRACE_GATE. The
// gate holds both FIFOs open for reading and writing from its creation to close(), so no line written is ever lost
// and topo never waits on an open: it waits only for the byte, which next() writes once it has returned the command.
// So the test sees each command before it runs and decides when topo may go on, e.g. to create an object in topo's
// way after it planned, or to send it a signal at an exact point of an apply.
// (The FIFO alone used to be the gate — topo's open blocked until a reader came —, but a line written between the
// reader's end of file and its close was lost with the pipe, and that command ran unseen.)
// The FIFOs live under /tmp, which the sandbox shares (only /run is private to it).
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { TOPO, type Run, type Sandbox } from './sandbox.js';

export class TraceGate {
  readonly path: string;
  readonly gatePath: string;
  private readonly dir: string;
  private traceFd = -1;
  private gateFd = -1;
  private reader?: Socket;
  private partial = '';
  private lines: string[] = [];
  private wake?: () => void;
  private constructor() {
    this.dir = mkdtempSync('/tmp/topo-gate-');
    this.path = `${this.dir}/trace`;
    this.gatePath = `${this.dir}/gate`;
  }

  static async create(): Promise<TraceGate> {
    const g = new TraceGate();
    await execa('mkfifo', [g.path, g.gatePath]);
    // Read and write: opening never waits, and the pipe lives (with what is in it) until close().
    g.traceFd = openSync(g.path, constants.O_RDWR | constants.O_NONBLOCK);
    g.gateFd = openSync(g.gatePath, constants.O_RDWR);
    g.reader = new Socket({ fd: g.traceFd, readable: true, writable: false });
    g.reader.setEncoding('utf8');
    g.reader.on('data', (d: string) => {
      const all = g.partial + d;
      const cut = all.lastIndexOf('\n');
      g.partial = all.slice(cut + 1);
      g.lines.push(...all.slice(0, cut + 1).split('\n').filter((l) => l.trim()));
      g.wake?.();
    });
    return g;
  }

  /** What topo is started with: the trace and the gate. */
  get env(): Record<string, string> {
    return { TOPO_TRACE_FILE: this.path, TOPO_TRACE_GATE: this.gatePath };
  }

  /**
   * The next command(s) topo is about to start, or null once topo is gone: each is let go as it is returned, and
   * topo waits before its following command until next() is called again.
   */
  async next(proc: Promise<unknown>): Promise<string[][] | null> {
    let gone = false;
    void proc.then(() => { gone = true; this.wake?.(); }, () => { gone = true; this.wake?.(); });
    while (!this.lines.length && !gone) await new Promise<void>((r) => { this.wake = r; });
    this.wake = undefined;
    if (!this.lines.length) return null;
    const cmds = this.lines.splice(0).map((l) => JSON.parse(l) as string[]);
    for (let i = 0; i < cmds.length; i++) writeSync(this.gateFd, 'g');
    return cmds;
  }

  close(): void {
    this.reader?.destroy();
    if (this.gateFd >= 0) closeSync(this.gateFd);
    this.gateFd = -1;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A topo process started inside the sandbox (nsenter execs it, so pid is topo's own pid). */
export interface Started { pid: number; done: Promise<Run & { signal?: string }>; proc: ResultPromise }

/** topo processes started and not finished: a test that fails while one is held at the FIFO must not leave it. */
const running = new Set<ResultPromise>();

/** Kill (SIGKILL, by pid) every topo process a test started that is still running; for afterEach. */
export function killLeftovers(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}

export function startTopo(sb: Sandbox, args: string[], env: Record<string, string> = {}): Started {
  const proc = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', process.execPath, TOPO, ...args], {
    reject: false, env, timeout: 120_000,
  });
  running.add(proc);
  void proc.finally(() => running.delete(proc));
  const done = proc.then((r) => ({ stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1, signal: r.signal }));
  return { pid: proc.pid!, done, proc };
}

/** True for commands that change the kernel (everything but the reads topo does while planning and verifying). */
export const isChange = (argv: string[]) => !argv.includes('-json') && !(argv.includes('grep') && argv.some((a) => a.startsWith('/proc/sys/')))
  && !(argv[0] === 'nft' && argv[1] === '-j' && argv[2] === 'list'); // the host firewall check's read (nft -j list chains)

/** Where a thread waits in a read of an empty pipe (/proc/PID/wchan), by kernel version. */
const PIPE_READ = new Set(['anon_pipe_read', 'pipe_read', 'pipe_wait', 'pipe_wait_readable']);

/**
 * Wait until topo's main thread is blocked at the gate before its next command (true), or has exited (false).
 * next() lets a command go, and topo then goes on to start it: to act before topo starts anything more, wait for
 * this after next(). (topo reads no other pipe synchronously: its event loop waits in epoll, not in a pipe read.)
 */
export async function blockedAtGate(pid: number): Promise<boolean> {
  for (;;) {
    try {
      if (PIPE_READ.has(readFileSync(`/proc/${pid}/wchan`, 'utf8'))) return true;
    } catch { return false; }
    await new Promise((r) => setTimeout(r, 2));
  }
}

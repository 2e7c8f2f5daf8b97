// Holding topo between two commands, without any hook in topo beyond $TOPO_TRACE_FILE: the trace file is a FIFO.
// topo appends each argv to it (open, write, close) just before starting the process; the open blocks until a
// reader opens the FIFO. So the test sees each command before it runs and decides when topo may go on, e.g. to
// create an object in topo's way after it planned, or to send it a signal at an exact point of an apply.
// The FIFO lives under /tmp, which the sandbox shares (only /run is private to it).
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { execa, type ResultPromise } from 'execa';
import { TOPO, type Run, type Sandbox } from './sandbox.js';

export class TraceGate {
  readonly path: string;
  private dir: string;
  private constructor() {
    this.dir = mkdtempSync('/tmp/topo-gate-');
    this.path = `${this.dir}/trace`;
  }

  static async create(): Promise<TraceGate> {
    const g = new TraceGate();
    await execa('mkfifo', [g.path]);
    return g;
  }

  /**
   * The next command(s) topo is about to start, or null once topo is gone. topo waits before its following
   * command until next() is called again. Commands started in the same instant (one per namespace of a stage)
   * may come together.
   */
  async next(proc: Promise<unknown>): Promise<string[][] | null> {
    let reading = true, exited = false;
    // Once topo has exited nobody will open the FIFO for writing: do it ourselves so the pending open returns.
    const poke = async () => {
      exited = true;
      while (reading) {
        try { closeSync(openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* no reader yet */ }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    void proc.then(poke, poke);
    let text: string;
    try {
      const fh = await open(this.path, 'r');
      text = await fh.readFile('utf8');
      await fh.close();
    } finally { reading = false; }
    const lines = text.split('\n').filter((l) => l.trim());
    if (!lines.length) return exited ? null : this.next(proc);
    return lines.map((l) => JSON.parse(l) as string[]);
  }

  close(): void {
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

/**
 * Wait until topo's main thread is blocked opening the FIFO for its next command (true), or has exited (false).
 * next() returns once topo has written a command, and topo then goes on to start it: to act before topo starts
 * anything more, wait for this after next().
 */
export async function blockedAtGate(pid: number): Promise<boolean> {
  for (;;) {
    try {
      if (readFileSync(`/proc/${pid}/wchan`, 'utf8') === 'wait_for_partner') return true;
    } catch { return false; }
    await new Promise((r) => setTimeout(r, 2));
  }
}

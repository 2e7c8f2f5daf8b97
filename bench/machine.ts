// The machine a benchmark ran on, for the results table.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface Machine { nproc: number; cpu: string; memGiB: number; kernel: string; iproute2: string; node: string; mininet: string | null }

const tryRun = (cmd: string, args: string[]): string | null => {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch { return null; }
};

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    iproute2: (tryRun('ip', ['-V']) ?? 'unknown').replace(/^ip utility, /, ''),
    node: process.version,
    mininet: tryRun('mn', ['--version']),
  };
}

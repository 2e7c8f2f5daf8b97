// Scratch directories for the grouped batch scripts (io/ns-group.ts): under the state dir (/run/topo, a tmpfs by
// default: 500 small files on a disk-backed /tmp took ~0.4 s), one per process, named by its PID. A topo killed
// with -9 can't remove its own; the first scratch directory a later topo makes removes those of processes that
// are gone.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './state-file.js';

const base = () => join(stateDir(), 'scratch');
let swept = false;

/** A new private directory for this process's scripts; the caller removes it. */
export function makeScratchDir(): string {
  mkdirSync(base(), { recursive: true, mode: 0o700 });
  if (!swept) { swept = true; sweepStale(); }
  return mkdtempSync(join(base(), `${process.pid}-`));
}

/** Remove the scratch directories of processes that no longer run. */
export function sweepStale(): void {
  for (const name of readdirSync(base())) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(base(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

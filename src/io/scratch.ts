// Scratch directories for the grouped batch scripts (io/ns-group.ts): under the state dir (/run/topo, a tmpfs by
// default: 500 small files on a disk-backed /tmp took ~0.4 s), one per process, named by its PID, and the
// scratch directory itself goes once empty. A topo killed with -9 can't remove its own: every apply and destroy
// removes those of processes that are gone (sweepStale, once it holds the lab's lock).
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './state-file.js';

const base = () => join(stateDir(), 'scratch');

/** A new private directory for this process's scripts; the caller removes it with removeScratchDir. */
export function makeScratchDir(): string {
  for (let attempt = 1; ; attempt++) {
    mkdirSync(base(), { recursive: true, mode: 0o700 });
    try {
      return mkdtempSync(join(base(), `${process.pid}-`));
    } catch (e) {
      // Another topo removed the (then empty) scratch directory in between: make it again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw e;
    }
  }
}

/** Remove a directory made by makeScratchDir, and the scratch directory when nothing else is in it. */
export function removeScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  removeBaseIfEmpty();
}

/** Remove the scratch directories of processes that no longer run. */
export function sweepStale(): void {
  let names: string[];
  try { names = readdirSync(base()); } catch { return; } // none yet
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(base(), name), { recursive: true, force: true });
  }
  removeBaseIfEmpty();
}

function removeBaseIfEmpty(): void {
  try { rmdirSync(base()); } catch { /* not empty (another topo's scripts), or already gone */ }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

// One writer per lab: `<state dir>/<lab>.lock`, created with O_EXCL and holding the holder's pid, its start time
// (field 22 of /proc/<pid>/stat, so a reused pid is not mistaken for the holder) and boot id. A lock whose holder
// is gone (no such process, or another process under the same pid, or another boot) is stale and taken over.
// Taking over is itself guarded by an O_EXCL marker named after the stale holder, so of several processes that
// find the same stale lock exactly one replaces it; the others go back to waiting.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, TopoError } from '../errors.js';
import { stateDir } from './state-file.js';

export interface LockHolder { pid: number; start: string; boot: string; command: string; since: string }
export interface LockOptions { waitSeconds: number; command?: string }
export interface Lock { path: string; holder: LockHolder; release(): Promise<void> }

export const DEFAULT_WAIT_SECONDS = 5;
/** A takeover marker older than this belongs to a process that died inside the (microseconds long) takeover. */
const MARKER_STALE_MS = 10_000;
/** A lock file that is still empty this long after its creation was abandoned between create and write. */
const EMPTY_STALE_MS = 2_000;

const lockPath = (lab: string) => join(stateDir(), `${lab}.lock`);

/** Start time of a process in clock ticks since boot, or undefined when there is no such process. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string {
  try { return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return ''; }
}

function me(command: string): LockHolder {
  return { pid: process.pid, start: startTimeOf(process.pid) ?? '', boot: bootId(), command, since: new Date().toISOString() };
}

/** Is the recorded holder still the live process that wrote the lock? */
export function holderAlive(h: LockHolder): boolean {
  if (h.boot && h.boot !== bootId()) return false;
  const start = startTimeOf(h.pid);
  return start !== undefined && start === h.start;
}

type Seen = { state: 'free' } | { state: 'held'; holder: LockHolder } | { state: 'stale'; holder?: LockHolder; text: string };

async function inspect(path: string): Promise<Seen> {
  let text: string, mtimeMs: number;
  try {
    [text, mtimeMs] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw e;
  }
  let holder: LockHolder | undefined;
  try { holder = JSON.parse(text) as LockHolder; } catch { holder = undefined; }
  if (!holder || typeof holder.pid !== 'number') {
    // Being written right now, or its writer died between create and write.
    return Date.now() - mtimeMs > EMPTY_STALE_MS ? { state: 'stale', text } : { state: 'held', holder: { pid: 0, start: '', boot: '', command: '(starting)', since: '' } };
  }
  return holderAlive(holder) ? { state: 'held', holder } : { state: 'stale', holder, text };
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  let fh;
  try { fh = await open(path, 'wx', 0o644); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try { await fh.writeFile(`${JSON.stringify(holder)}\n`); } finally { await fh.close(); }
  return true;
}

/** Replace a stale lock. Returns true when this process now holds the lock. */
async function takeOver(path: string, seen: Extract<Seen, { state: 'stale' }>, holder: LockHolder): Promise<boolean> {
  const id = seen.holder ? `${seen.holder.pid}-${seen.holder.start}` : 'empty';
  const marker = `${path}.takeover-${id}`;
  if (!(await tryCreate(marker, holder))) {
    // Another process is taking over this very holder's lock; a marker left by one that died there is cleared.
    try { if (Date.now() - (await stat(marker)).mtimeMs > MARKER_STALE_MS) await unlink(marker); } catch { /* gone */ }
    return false;
  }
  try {
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (now !== seen.text) return false; // replaced meanwhile: not ours to remove
    await unlink(path);
    return await tryCreate(path, holder);
  } finally {
    await unlink(marker).catch(() => undefined);
  }
}

/**
 * Take the lab's lock, waiting up to `waitSeconds` for a live holder to finish (polling, 50 ms growing to 500 ms).
 * Exits with EXIT.LOCKED (75) naming the holder when it does not come free in time.
 */
export async function acquireLabLock(lab: string, opts: LockOptions): Promise<Lock> {
  mkdirSync(stateDir(), { recursive: true });
  const path = lockPath(lab);
  const mine = me(opts.command ?? `topo ${process.argv.slice(2).join(' ')}`);
  const deadline = Date.now() + Math.max(0, opts.waitSeconds) * 1000;
  let delay = 50;
  let last: LockHolder | undefined;
  for (;;) {
    if (await tryCreate(path, mine)) return held(path, mine);
    const seen = await inspect(path);
    if (seen.state === 'free') continue; // released meanwhile: try again right away
    if (seen.state === 'stale' && (await takeOver(path, seen, mine))) return held(path, mine);
    last = seen.holder ?? last;
    if (Date.now() >= deadline) throw lockedError(lab, path, last, seen.state === 'stale', opts.waitSeconds);
    await new Promise((r) => setTimeout(r, Math.min(seen.state === 'stale' ? 20 : delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 500);
  }
}

function held(path: string, holder: LockHolder): Lock {
  return {
    path,
    holder,
    async release() {
      // Only remove the lock if it is still ours (it always should be; never remove another holder's).
      const text = await readFile(path, 'utf8').catch(() => '');
      try {
        const h = JSON.parse(text) as LockHolder;
        if (h.pid !== holder.pid || h.start !== holder.start) return;
      } catch { return; }
      await unlink(path).catch(() => undefined);
    },
  };
}

function lockedError(lab: string, path: string, h: LockHolder | undefined, stale: boolean, waited: number): TopoError {
  const who = h && h.pid ? `pid ${h.pid} (${h.command})${h.since ? `, holding it since ${h.since}` : ''}` : 'a process that is still starting';
  const what = stale ? `a stale lock of ${who} that another process is taking over` : who;
  return new TopoError('E_LOCKED', `lab "${lab}" is locked by ${what}; gave up after waiting ${waited} s`, EXIT.LOCKED, {
    lock: path, holder: h,
    hint: `another topo apply/destroy of this lab is running; wait for it, or pass --wait SECONDS to wait longer`,
  });
}

/** Run fn while holding the lab's lock. */
export async function withLabLock<T>(lab: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLabLock(lab, opts);
  try { return await fn(); } finally { await lock.release(); }
}

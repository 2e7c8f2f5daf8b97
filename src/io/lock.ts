// One writer per lab: an exclusive flock(2) on `<state dir>/<lab>.lock`. The kernel holds the lock for the open
// file description, so it dies with its holder (a kill -9 releases it at once) and no PID, start time or boot id
// has to be judged alive — judged in the reader's own /proc, that mistook a topo in another PID namespace sharing
// /run (a container with host networking) for a dead one. Node has no flock: topo opens the file and hands that
// same open file description to `flock(1)` (util-linux, Essential on Debian) as its fd 3; flock locks it, waiting
// at most --wait seconds, and exits: the lock stays with topo's descriptor until topo closes it or dies. With the
// netlink engine (koffi loaded) topo first tries flock(2) itself, without waiting: a lock nobody holds costs no
// process; only a held one is waited for by flock(1).
//
// The holder writes who it is into the file (pid, command, since, PID namespace), so a waiter that gives up names
// it. It removes the file when done, still holding the lock; a waiter that then gets the lock of the removed file
// sees it is no longer the lab's lock file and locks the new one. The file is input like the record: opened
// without following symlinks or blocking, a regular file only root can write (io/state-dir.ts).
import { spawn } from 'node:child_process';
import { closeSync, constants as C, fstatSync, ftruncateSync, lstatSync, readlinkSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_NAME } from '../core/names.js';
import { EXIT, LockBusy, TopoError } from '../errors.js';
import { cannot, openStateFile, stateDir } from './state-dir.js';
import { engine } from './netlink/engine.js';
import { LOCK_EX, LOCK_NB } from './netlink/ffi.js';

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
  /** The holder's PID namespace, e.g. "pid:[4026531836]": its pid is a number in that namespace. */
  pidns?: string;
}
export interface LockOptions { waitSeconds: number; command?: string }
export interface Lock { path: string; holder: LockHolder; release(): Promise<void> }

export const DEFAULT_WAIT_SECONDS = 5;
/** What a lock file may hold: one short JSON line. */
const MAX_HOLDER_BYTES = 4096;

const pidNamespace = (): string | undefined => {
  try { return readlinkSync('/proc/self/ns/pid'); } catch { return undefined; }
};

/**
 * Take the lab's lock, waiting up to `waitSeconds` for the holder to finish. Exits with EXIT.LOCKED (75) naming
 * the holder when it does not come free in time.
 */
export async function acquireLabLock(lab: string, opts: LockOptions): Promise<Lock> {
  if (!LAB_NAME.test(lab)) throw new Error(`not a lab name: ${JSON.stringify(lab)}`); // validated long before
  const path = join(stateDir(true), `${lab}.lock`);
  const mine: LockHolder = {
    pid: process.pid, command: opts.command ?? `topo ${process.argv.slice(2).join(' ')}`,
    since: new Date().toISOString(), pidns: pidNamespace(),
  };
  const deadline = Date.now() + Math.max(0, opts.waitSeconds) * 1000;
  for (;;) {
    const fd = openStateFile(path, C.O_RDWR | C.O_CREAT, 'the lock file')!;
    let got: boolean;
    try { got = lockNow(fd) || await flock(fd, deadline - Date.now()); } catch (e) { closeSync(fd); throw e; }
    if (!got) {
      const holder = holderIn(fd);
      closeSync(fd);
      throw lockedError(lab, path, holder, opts.waitSeconds);
    }
    if (isLockFile(fd, path)) return held(fd, path, mine);
    closeSync(fd); // its holder removed it as it let go: lock the file now there
  }
}

/** Run fn while holding the lab's lock. */
export async function withLabLock<T>(lab: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLabLock(lab, opts);
  try { return await fn(); } finally { await lock.release(); }
}

/**
 * flock(2) on our open file description, in-process and without waiting (the netlink engine's libc): true once
 * locked; false when the lock is held (or can't be tried here: no koffi, the ip engine), for flock(1) to wait for it.
 */
function lockNow(fd: number): boolean {
  const e = engine();
  return e.name === 'netlink' && e.libc.flock(fd, LOCK_EX | LOCK_NB) === 0;
}

/**
 * flock(1) on our open file description, as its fd 3: true once locked, false when `ms` ran out. Not through
 * io/runner.ts: that runs the kernel commands (traced for the tests, one process group each); this only waits.
 */
function flock(fd: number, ms: number): Promise<boolean> {
  const argv = ['flock', '--exclusive', '--conflict-exit-code', String(EXIT.LOCKED),
    ...(ms > 0 ? ['--timeout', (ms / 1000).toFixed(3)] : ['--nonblock']), '3'];
  return new Promise((resolve, reject) => {
    // The time limit is flock's own; ours is a backstop so the wait is bounded whatever happens. A timer of our own,
    // cleared as flock ends or fails to start: Node's `timeout` option keeps its timer alive after a failed spawn (no
    // flock installed), holding topo up for the whole limit before it can say so.
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe', fd] });
    const backstop = setTimeout(() => child.kill('SIGKILL'), Math.max(0, ms) + 10_000);
    const err: Buffer[] = [];
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(backstop);
      reject(e.code !== 'ENOENT' ? e
        : new TopoError('E_LOCK', 'cannot lock the lab: the flock command is not installed', EXIT.FAILED,
          { hint: 'install util-linux (it provides flock)' }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(backstop);
      if (code === 0) resolve(true);
      else if (code === EXIT.LOCKED) resolve(false);
      else {
        const said = Buffer.concat(err).toString().trim() || (signal ? `killed by ${signal}` : `exit ${code}`);
        reject(new TopoError('E_LOCK', `cannot lock the lab: ${argv.join(' ')}: ${said}`));
      }
    });
  });
}

/** Is the open file still the lab's lock file (not one its last holder removed as it let go)? */
function isLockFile(fd: number, path: string): boolean {
  const open = fstatSync(fd);
  try {
    const now = lstatSync(path);
    return open.nlink > 0 && now.ino === open.ino && now.dev === open.dev;
  } catch { return false; }
}

function held(fd: number, path: string, holder: LockHolder): Lock {
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  } catch (e) {
    try { unlinkSync(path); } catch { /* left behind empty: the next topo locks it all the same */ } // ours: we hold its lock
    closeSync(fd);
    throw cannot(path, 'write the lock file', e);
  }
  return {
    path,
    holder,
    async release() {
      // Removed while still locked, so nobody can lock this file and take it for the lab's lock afterwards. Closing
      // is what releases the lock: a file that can't be removed (a read-only remount) is only left behind.
      try { if (isLockFile(fd, path)) unlinkSync(path); } catch { /* left behind */ } finally { closeSync(fd); }
    },
  };
}

/** Who holds the lock, as its file says (it may not have said yet, or the file may hold anything else). */
function holderIn(fd: number): LockHolder | undefined {
  try {
    const buf = Buffer.alloc(MAX_HOLDER_BYTES);
    const h = JSON.parse(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8')) as Record<string, unknown>;
    const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v);
    const { pid, command, since, pidns } = h;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || !text(command, 1000) || !text(since, 40)) return undefined;
    return { pid, command, since, ...(text(pidns, 40) ? { pidns } : {}) };
  } catch { return undefined; }
}

function lockedError(lab: string, path: string, h: LockHolder | undefined, waited: number): LockBusy {
  const elsewhere = h?.pidns && h.pidns !== pidNamespace() ? ` in another PID namespace (${h.pidns})` : '';
  const who = h ? `pid ${h.pid} (${h.command})${elsewhere}${h.since ? `, holding it since ${h.since}` : ''}`
    : 'a process that has not written its name into the lock file (yet)';
  return new LockBusy(lab, `lab "${lab}" is locked by ${who}; gave up after waiting ${waited} s`, {
    lock: path, holder: h,
    hint: 'another topo apply/destroy of this lab is running; wait for it, or pass --wait SECONDS to wait longer',
  });
}

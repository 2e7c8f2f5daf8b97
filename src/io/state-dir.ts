// topo's state directory ($TOPO_STATE_DIR, default /run/topo): the lab records and locks, which root topo acts on
// (it deletes the namespaces a record names, writes the sysctls it holds). So the directory must be one only root
// can write: owned by root (or the user topo runs as) and not writable by group or others, nor any directory above
// it unless sticky (mode +t, like /tmp: nobody can move away another's entry). topo creates it 0700 and its files
// 0600, whatever the umask; a directory or file that breaks the rule is refused with what is wrong and how to
// recover, never repaired silently (someone may already have planted a record). Files in it are opened without
// following a symlink and without blocking (a FIFO), then checked to be regular files that only root can write.
import { closeSync, constants as C, fstatSync, lstatSync, mkdirSync, openSync, realpathSync, type Stats } from 'node:fs';
import { StateError } from '../errors.js';

export const configuredStateDir = (): string => process.env.TOPO_STATE_DIR ?? '/run/topo';

/** The last directory found trustworthy (by configured path): checked once per process. */
let trusted: { configured: string; real: string } | undefined;

/**
 * The state directory's real path, checked. `create`: make it (0700) when missing; otherwise a missing directory
 * is undefined (nothing recorded yet).
 */
export function stateDir(create: true): string;
export function stateDir(create: boolean): string | undefined;
export function stateDir(create: boolean): string | undefined {
  const configured = configuredStateDir();
  if (trusted?.configured === configured) return trusted.real;
  if (create) {
    try { mkdirSync(configured, { recursive: true, mode: 0o700 }); } catch (e) { throw cannot(configured, 'create the state directory', e); }
  }
  let real: string;
  try { real = realpathSync(configured); } catch (e) {
    if (!create && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cannot(configured, 'find the state directory', e);
  }
  checkDirs(real, configured);
  trusted = { configured, real };
  return real;
}

const euid = () => process.geteuid?.() ?? 0;
const ownedByUs = (st: Stats) => st.uid === 0 || st.uid === euid();
const octal = (st: Stats) => `0${(st.mode & 0o7777).toString(8)}`;

/** The directory and every one above it (of its real path: no symlinks left to swap). */
function checkDirs(real: string, configured: string): void {
  const parts = real.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`, own = i === parts.length;
    const st = lstatSync(dir);
    const what = own ? `state directory ${dir}${dir !== configured ? ` (${configured})` : ''}` : `directory ${dir} above the state directory`;
    const problem = !st.isDirectory() ? 'is not a directory'
      : !ownedByUs(st) ? `is owned by uid ${st.uid}, not by root`
      : st.mode & 0o022 && (own || !(st.mode & 0o1000)) ? `is writable by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${octal(st)})`
      : undefined;
    if (!problem) continue;
    throw new StateError(dir, `the ${what} ${problem}: another user could plant a record or a lock that root topo would act on`,
      own
        ? `topo trusts nothing in a directory others can write. Check its files (remove any you did not expect), then make it root's and private: chown root: ${dir} && chmod 700 ${dir}; or point TOPO_STATE_DIR at a new path (topo creates it, mode 0700)`
        : `put the state directory where only root can write every directory above it, or make ${dir} root's and not writable by others (a sticky directory like /tmp is fine)`,
      { uid: st.uid, mode: octal(st) });
  }
}

const KIND: [(s: Stats) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a directory'], [(s) => s.isFIFO(), 'a FIFO'], [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isSymbolicLink(), 'a symbolic link'], [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
];

/**
 * Open a file of the state directory: never through a symlink, never blocking (a FIFO), and only a regular file
 * that only root can write. Returns the fd, or undefined when it does not exist and `flags` don't create it.
 */
export function openStateFile(path: string, flags: number, what: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, flags | C.O_NOFOLLOW | C.O_NONBLOCK, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(flags & C.O_CREAT)) return undefined;
    if (code === 'ELOOP') throw notAFile(path, what, 'a symbolic link');
    if (code === 'EISDIR') throw notAFile(path, what, 'a directory');
    if (code === 'ENXIO') throw notAFile(path, what, 'a FIFO or socket');
    throw cannot(path, `open ${what}`, e);
  }
  const st = fstatSync(fd);
  if (st.isFile() && ownedByUs(st) && !(st.mode & 0o022)) return fd;
  closeSync(fd);
  if (!st.isFile()) throw notAFile(path, what, KIND.find(([is]) => is(st))?.[1] ?? 'not a regular file');
  throw new StateError(path, `${what} ${path} ${!ownedByUs(st) ? `is owned by uid ${st.uid}, not by root`
    : `is writable by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${octal(st)})`}: topo won't act on it`,
  `topo writes its files itself, mode 0600. If you did not put it there, someone else did: remove it (rm ${path}) and run the command again`,
  { uid: st.uid, mode: octal(st) });
}

function notAFile(path: string, what: string, is: string): StateError {
  return new StateError(path, `${what} ${path} is ${is}, not a file topo wrote: topo won't act on it`,
    `remove it (rm${is === 'a directory' ? ' -r' : ''} ${path}) and run the command again`);
}

const WHY: Record<string, string> = {
  EROFS: 'the file system is read-only', ENOSPC: 'no space left on the file system', EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied', EPERM: 'operation not permitted', ENOTDIR: 'a part of the path is not a directory',
};

/** An operation on the state directory failed: what, where, and the system's reason in words. */
export function cannot(path: string, doing: string, e: unknown): StateError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why = WHY[code] ?? (e instanceof Error ? e.message : String(e));
  return new StateError(path, `cannot ${doing} ${path}: ${why}${WHY[code] ? ` (${code})` : ''}`,
    code === 'ENOSPC' || code === 'EDQUOT' ? `free space in ${configuredStateDir()}, or point TOPO_STATE_DIR at another place`
      : `topo keeps its records and locks in ${configuredStateDir()}; it must be a directory root can write (set TOPO_STATE_DIR to use another)`,
    { errno: code }, e);
}

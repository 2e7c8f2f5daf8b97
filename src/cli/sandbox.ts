// `topo sandbox FILE [-- CMD ...]`, the outer half: the file is validated here, on the host (a bad file is refused
// before anything is created), then topo runs itself again inside a fresh private sandbox, whose inner half
// (sandbox-inside.ts) applies the lab, runs its tests and then CMD or a shell.
//
// The sandbox is what the integration tests use (test/helpers/sandbox.ts), plus a PID namespace:
//   unshare --net --mount --propagation private --pid --fork --mount-proc --kill-child
// - net: the lab's "host" namespace is the sandbox's own; its namespaces are made from there.
// - mount, private propagation, a tmpfs on /run: /run/netns (where `ip netns add` pins the lab's namespaces) and the
//   state dir /run/topo exist only in the sandbox's mount namespace; /etc is overlaid by a writable layer on that
//   tmpfs, so a lab's /etc/netns files stay in it too. Nothing is bound or written outside.
// - pid: the inner topo is the namespace's init (PID 1). When it exits, the kernel kills every process of the
//   sandbox (a server CMD left in the background, a `sleep` started from the shell): with no process left in
//   them and nothing bound outside, the namespaces and the tmpfs are freed. Without --pid a process left behind
//   would keep the sandbox alive after topo has returned.
// - kill -9 of this (outer) topo: the inner topo watches a socket to it (fd 3) and exits when it closes, which the
//   kernel does when this process dies, however it dies; --kill-child kills the inner one when unshare dies.
import { realpathSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT, TopoError } from '../errors.js';
import { loadChecked } from './commands.js';
import { requireRoot } from './privilege.js';

export interface SandboxOpts {
  keepGoing?: boolean; quiet?: boolean; inside?: string;
  /** The library's sandbox mode (sandbox-hold.ts): apply, say so as JSON lines, hold until standard input closes. */
  hold?: boolean;
}

/** The sandbox's setup, run by sh as the PID namespace's first process, which then execs the inner topo ("$@"). */
export const SETUP = [
  'mount -t tmpfs -o mode=0755 tmpfs /run',
  'mkdir -p /run/netns /run/topo /run/etc-up /run/etc-work',
  'mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/etc-up,workdir=/run/etc-work /etc',
  // sysfs of the sandbox's network namespace (as `ip netns exec` does): /sys/class/net lists its interfaces.
  'mount -t sysfs sysfs /sys 2>/dev/null || true',
  'ip link set lo up',
  'exec "$@"',
].join('\n');

/** The inode of a namespace of this process: the inner topo checks it runs in other ones. */
export const nsInode = (kind: 'net' | 'mnt'): string => String(statSync(`/proc/self/ns/${kind}`).ino);

/**
 * The sandbox's /run is a new, empty tmpfs: a file (or a working directory) under the host's /run would not be
 * there for the topo inside, nor for `topo show FILE` in its shell.
 */
function refuseUnderRun(file: string): void {
  const under = (p: string) => p === '/run' || p.startsWith('/run/');
  const where = [realpathSync(file), process.cwd()].find(under);
  if (where) {
    throw new TopoError('E_USAGE', `topo sandbox can't use ${where}: the sandbox has a /run of its own, where the host's files are not seen`, EXIT.USAGE,
      { hint: 'copy the file, and run topo sandbox, from a directory outside /run' });
  }
}

/** unshare's arguments: the sandbox, its setup, then this same topo as its init with `sandbox FILE --inside ... rest`. */
function unshareArgv(file: string, rest: string[]): string[] {
  const inner = [process.execPath, realpathSync(process.argv[1]!), 'sandbox', file, '--inside', `${nsInode('net')}:${nsInode('mnt')}`, ...rest];
  return ['--net', '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--kill-child',
    '--', 'sh', '-ec', SETUP, 'sh', ...inner];
}

/** unshare(1) missing is said as such; any other failure to start it is passed on. */
export const unshareFailed = (e: NodeJS.ErrnoException): Error => (e.code === 'ENOENT'
  ? new TopoError('E_NO_UNSHARE', 'topo sandbox needs unshare(1), which is not installed', EXIT.FAILED, { hint: 'install util-linux (apt-get install util-linux)' })
  : e);

export async function sandboxCmd(file: string, command: string[], o: SandboxOpts): Promise<number> {
  if (o.inside !== undefined) return (await import('./sandbox-inside.js')).insideCmd(file, command, o);
  // A file with errors stops here: nothing has been created yet.
  await loadChecked(file, { json: o.hold });
  requireRoot('topo sandbox');
  refuseUnderRun(file);
  const argv = unshareArgv(file, [...(o.keepGoing ? ['--keep-going'] : []), ...(o.quiet ? ['--quiet'] : []), ...(o.hold ? ['--hold'] : []), '--', ...command]);
  if (o.hold) return (await import('./sandbox-hold.js')).holdOutside(argv);
  const child = spawn('unshare', argv, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  // Ctrl-C reaches the sandbox's processes from the terminal; this topo waits for them and returns their status.
  const ignore = () => undefined;
  process.on('SIGINT', ignore).on('SIGQUIT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => reject(unshareFailed(e)));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0)));
    });
  } finally {
    process.off('SIGINT', ignore).off('SIGQUIT', ignore);
  }
}

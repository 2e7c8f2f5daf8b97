// Turning commands (data) into the exact argv that runs, and into lines of an `ip -batch` script.
import { HOST, type Cmd } from '../model.js';
import { HOST_NETNS } from '../kinds/veth.js';

/** How the host namespace is named in `netns` arguments: topo's own PID when run, `$$` in a shell script. */
export type HostRef = string;

function subst(args: string[], hostRef: HostRef): string[] {
  return args.map((a) => (a === HOST_NETNS ? hostRef : a));
}

/** The exact argv of one command, as it would run on its own. */
export function argvOf(cmd: Cmd, hostRef: HostRef = String(process.pid)): string[] {
  const args = subst(cmd.args, hostRef);
  const inNs = (tool: string, a = args) => (cmd.ns === HOST ? [tool, ...a] : ['ip', 'netns', 'exec', cmd.ns, tool, ...a]);
  switch (cmd.tool) {
    case 'ip': return cmd.ns === HOST ? ['ip', ...args] : ['ip', '-n', cmd.ns, ...args];
    // Written straight into /proc/sys (the value is the command's input): no `sysctl` command needed.
    case 'sysctl': return inNs('tee', [sysctlPath(cmd.args[0])]);
    case 'nft': return inNs('nft');
  }
}

/** Where a sysctl is read and written: net.ipv4.ip_forward is /proc/sys/net/ipv4/ip_forward. */
export const sysctlPath = (key: string): string => `/proc/sys/${key.replace(/\./g, '/')}`;

/** The argv of a batch of ip commands for one namespace (the lines go to stdin). */
export function batchArgv(ns: string, force = false): string[] {
  return ['ip', ...(ns === HOST ? [] : ['-n', ns]), ...(force ? ['-force'] : []), '-batch', '-'];
}

/** The line `ip -batch -` names as failed on stderr ("Command failed -:L"), 1-based; 0 when it names none. */
export const batchFailedLine = (stderr: string): number => Number(/Command failed -:(\d+)/.exec(stderr)?.[1] ?? 0);

/** The kernel's words about a failed batch line, without ip's "Command failed -:L". */
export const batchMessage = (stderr: string): string => stderr.replace(/Command failed -:\d+\s*/g, '').trim();

/** One line of an `ip -batch` script (arguments quoted the way ip's batch parser reads them). */
export function batchLine(cmd: Cmd, hostRef: HostRef = String(process.pid)): string {
  return subst(cmd.args, hostRef).map(quoteBatch).join(' ');
}

function quoteBatch(a: string): string {
  if (a === '') return '""';
  return /[\s"'\\#]/.test(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a;
}

/** Shell-quoted rendering of an argv, for display and for `--format sh`. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

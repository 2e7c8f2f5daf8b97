// Turning commands (data) into the exact argv that runs, and into lines of an `ip -batch` script; reading which
// line of a batch failed from ip's words. Pure: the executor (io/) and the plan renderers (render/) share it.
import { DEFAULT_PATH, processArgv } from './process-argv.js';
import { HOST, HOST_NETNS, type Cmd } from '../model.js';

/** How the host namespace is named in `netns` arguments: topo's own PID when run, `$$` in a shell script. */
export type HostRef = string;

/** The command's arguments as it runs them: the host's namespace named by `hostRef` (see argvOf). */
export function argsOf(cmd: Cmd, hostRef: HostRef = String(process.pid)): string[] {
  return subst(cmd.args, hostRef);
}

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
    // iproute2's `bridge` (fdb entries) takes the namespace like ip does.
    case 'bridge': return cmd.ns === HOST ? ['bridge', ...args] : ['bridge', '-n', cmd.ns, ...args];
    // IPv6 where ip can't tell the family from the arguments (rules): `-6` is a global option, never a batch line's.
    case 'ip6': return cmd.ns === HOST ? ['ip', '-6', ...args] : ['ip', '-6', '-n', cmd.ns, ...args];
    // iproute2's `tc` (queueing disciplines) takes the namespace like ip does.
    case 'tc': return cmd.ns === HOST ? ['tc', ...args] : ['tc', '-n', cmd.ns, ...args];
    // topo does these itself (io/file-tool.ts); the commands a script runs to the same effect.
    case 'file': return fileArgv(args);
    case 'spawn': return spawnArgv(cmd);
    case 'procfs': return ['ls', '/proc']; // a read (ToolRead): topo reads /proc itself
  }
}

/**
 * What a spawn command (Cmd tool 'spawn': [op, ns, name, lab], the spec as JSON input) does, as a script would say
 * it. topo runs neither: it starts the process itself (detached, its output to the lab's log, the markers in its
 * environment, then its ready check) and stops only the processes it proves its own, SIGTERM then SIGKILL
 * (io/process-tool.ts). A script starts it in a session of its own (`setsid -f`; its output where the script's goes,
 * no ready check; `env -i`, setpriv and the restart loop as topo does, core/process-argv.ts) and sends SIGTERM to the
 * processes with the markers in the namespace.
 */
function spawnArgv({ args: [op, ns, name, lab], input }: Cmd): string[] {
  if (op === 'stop') {
    return ['sh', '-c', 'n=$(stat -L -c %i "/run/netns/$1") || exit 0; for d in /proc/[0-9]*; do [ "$(readlink "$d/ns/net")" = "net:[$n]" ] || continue; '
      + 'e=$(tr "\\0" "\\n" < "$d/environ" 2>/dev/null) || continue; printf "%s\\n" "$e" | grep -qx "TOPO_LAB=$2" && printf "%s\\n" "$e" | grep -qx "TOPO_RUN=$3" && kill -TERM "${d#/proc/}"; done; true',
    'sh', ns, lab, name];
  }
  // Waiting for the ready check of a process already running (topo only; a script has no check to wait for).
  if (op === 'ready') return ['true'];
  const spec = JSON.parse(input ?? '{}') as { argv?: string[]; env?: Record<string, string>; spec?: string; user?: string; group?: string; restart?: { max: number; delayMs: number } };
  // A clean environment (env -i) as topo gives it; the user's HOME/USER/LOGNAME are topo's to look up (not here).
  const as = spec.user !== undefined ? { uid: spec.user, ...(spec.group !== undefined ? { gid: spec.group } : {}), initGroups: !/^\d+$/.test(spec.user) } : undefined;
  return ['setsid', '-f', 'env', '-i', `PATH=${DEFAULT_PATH}`, ...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`), `TOPO_LAB=${lab}`, `TOPO_RUN=${name}`, `TOPO_SPEC=${spec.spec ?? ''}`,
    'ip', 'netns', 'exec', ns, ...processArgv(spec.argv ?? [], { name, counter: '/dev/null', ...(spec.restart ? { restart: spec.restart } : {}), ...(as ? { as } : {}) })];
}

/**
 * A file operation (Cmd tool 'file': [op, path, ...]) as the command a shell script would run for it. topo runs none
 * of them: it writes atomically (a temporary file renamed over the path) and checks the owner's mark first.
 */
function fileArgv([op, path]: string[]): string[] {
  switch (op) {
    case 'write': return ['install', '-m', '0644', '/dev/stdin', path];
    case 'remove': return ['rm', '-f', path];
    case 'mkdir': return ['mkdir', '-m', '0755', path];
    case 'rmdir': return ['rmdir', path];
    default: return ['cat', path]; // a read (ToolRead)
  }
}

/** Where a sysctl is read and written: net.ipv4.ip_forward is /proc/sys/net/ipv4/ip_forward. */
export const sysctlPath = (key: string): string => `/proc/sys/${key.replace(/\./g, '/')}`;

/** The tools whose commands of one namespace run as lines of one `-batch -` process (see Cmd). */
export const BATCHED: ReadonlySet<Cmd['tool']> = new Set(['ip', 'tc']);

/**
 * The argv of a batch of ip (or tc) commands for one namespace (the lines go to stdin). tc's batch reads its lines
 * like ip's (the same parser, see batchLine) and names a failing line the same way ("Command failed -:L").
 */
export function batchArgv(ns: string, force = false, tool: 'ip' | 'tc' = 'ip'): string[] {
  return [tool, ...(ns === HOST ? [] : ['-n', ns]), ...(force ? ['-force'] : []), '-batch', '-'];
}

/**
 * The line of an `ip -batch -` script that failed, 1-based; 0 when that can't be told. ip names it ("Command failed
 * -:L") when the kernel refused the command. When ip refuses an argument itself, it exits at once without naming
 * the line, but its message quotes the argument, and often the keyword before it (`Error: argument "X" is wrong:
 * Invalid "netns" value`, `... prefix is expected rather than "X".`): the failing line is then the first line of
 * `lines` holding the most of the quoted words as arguments (every line before it ran; ip stopped at this one).
 */
export function batchFailedLine(stderr: string, lines: string[] = []): number {
  const named = /Command failed -:(\d+)/.exec(stderr);
  if (named) return Number(named[1]);
  const quoted = new Set([...stderr.matchAll(/"([^"\n]+)"/g)].map((m) => m[1]));
  let best = 0, at = 0;
  lines.forEach((line, i) => {
    const args = new Set(batchArgs(line));
    const score = [...quoted].filter((q) => args.has(q)).length;
    if (score > best) [best, at] = [score, i + 1];
  });
  return at;
}

/** The arguments of a batch line, unquoted the way ip's batch parser reads them (see quoteBatch). */
export function batchArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

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

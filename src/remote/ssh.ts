// How the controller reaches each host of a lab that spans machines (machines:): the argv of the process that runs
// topo there. A host with `ssh:` is reached with the system's OpenSSH client (never a library), non-interactively
// (BatchMode: a missing key or an unknown host key is an error, never a prompt), over one connection per host
// shared by every command of the run (ControlMaster, its socket in the run's private folder); a `local: true`
// host runs topo as a child process. Pure: argv only (remote/hosts-run.ts runs them).
import { shellQuote } from '../core/commands.js';
import type { HostSpec } from '../model.js';

/** What every ssh of one run shares. */
export interface Transport {
  /** The run's private folder (mode 0700) holding the ControlMaster sockets. */
  controlDir: string;
  /** A user's ssh configuration (`--ssh-config FILE`: ssh -F FILE), else ssh reads its usual ones. */
  sshConfig?: string;
  /** How this process runs topo itself: a `local: true` host without `topo:` runs this same install. */
  self: string[];
}

/** Seconds ssh waits for a host to answer (its TCP connection and its banner) before it says it can't be reached: generous, for a loaded host. */
export const CONNECT_TIMEOUT_S = 30;
/** Seconds the shared connection stays open after its last command (the run closes it when it ends). */
export const PERSIST_S = 60;

/** The command that runs topo on a host, as words: its `topo:` split at spaces, else `topo` (on the host's PATH). */
export function topoWords(m: HostSpec, t: Pick<Transport, 'self'>): string[] {
  const words = m.topo?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length) return words;
  return m.local ? t.self : ['topo'];
}

/** ssh's options for a host: the user's config, batch mode, the shared connection, port and key from the file. */
export function sshOptions(m: HostSpec, t: Transport): string[] {
  return [
    ...(t.sshConfig ? ['-F', t.sshConfig] : []),
    '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    '-o', 'ControlMaster=auto', '-o', `ControlPath=${t.controlDir}/%C`,
    ...(m.port !== undefined ? ['-p', String(m.port)] : []),
    ...(m.identity !== undefined ? ['-i', m.identity] : []),
  ];
}

/**
 * The argv that opens the host's shared connection and leaves it in the background (-f -N) for ControlPersist
 * seconds: later commands go over it. Started alone so that the background master holds none of a command's output
 * pipes open (its standard error goes to a file of the caller's).
 */
export function masterArgv(m: HostSpec, t: Transport): string[] {
  return ['ssh', ...sshOptions(m, t), '-o', `ControlPersist=${PERSIST_S}`, '-f', '-N', '--', m.ssh!];
}

/** The argv that closes the host's shared connection (the run's end). */
export function closeArgv(m: HostSpec, t: Transport): string[] {
  return ['ssh', ...sshOptions(m, t), '-O', 'exit', '--', m.ssh!];
}

/**
 * The argv that runs topo with `args` on the host: over ssh (its remote command line quoted for the host's shell;
 * `tty`: ssh -t, for an interactive command), or as a local process. `suffix`: shell text after the command line
 * (a here-document, see remote/fanout-exec.ts); ssh only.
 */
export function hostArgv(m: HostSpec, t: Transport, args: string[], o: { tty?: boolean; suffix?: string } = {}): string[] {
  const words = [...topoWords(m, t), ...args];
  if (m.local) return words;
  return ['ssh', ...sshOptions(m, t), '-o', 'ControlPersist=no', ...(o.tty ? ['-t'] : ['-T']), '--', m.ssh!, `${shellQuote(words)}${o.suffix ?? ''}`];
}

/** A command as a person would type it again (for messages). */
export const commandText = (argv: string[]): string => shellQuote(argv);

// How a process (`run:`) is run, as argv: topo's process tool (io/process-tool.ts) and `plan --format sh`
// (core/commands.ts) build the same command line around the process's own.

/**
 * The restart loop (`restart: on-failure`) topo starts in place of the command, as `sh -c RESTART_LOOP topo-restart
 * NAME MAX DELAY_MS COUNTER ARGV...`: a shell, not a process of topo's (no Node per process), that runs the command,
 * ends with it when it exits 0 or after MAX restarts, and otherwise says so in the log, writes the number of restarts
 * to COUNTER, waits DELAY_MS (doubled each time, up to 30 s or DELAY_MS when longer) and runs it again. It carries the markers like the
 * command; stopping the process signals both (SIGTERM ends the shell at once: it sets no trap).
 */
export const RESTART_LOOP = 'name=$1 max=$2 d=$3 count=$4; shift 4; n=0; cap=30000; [ "$d" -gt "$cap" ] && cap=$d\n'
  + 'while :; do\n'
  + '  "$@"; s=$?\n'
  + '  [ "$s" -eq 0 ] && exit 0\n'
  + '  if [ "$n" -ge "$max" ]; then echo "topo: $name exited with $s, not restarted: $max restarts done"; exit "$s"; fi\n'
  + '  n=$((n+1)); echo "$n" > "$count"\n'
  + '  echo "topo: $name exited with $s, restarting ($n/$max)"\n'
  + '  sleep "$((d/1000)).$((d%1000/100))$((d%100/10))$((d%10))"\n'
  + '  d=$((d*2)); [ "$d" -gt "$cap" ] && d=$cap\n'
  + 'done\n';

/** The PATH a process gets: topo's own, or this when topo has none (and in scripts). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunAs {
  /** uid or name, gid or name (setpriv takes both); no gid: the user's own, looked up by `id -g` as it starts (scripts). */
  uid: number | string; gid?: number | string;
  /** The user is in /etc/passwd: its groups are set from /etc/group (--init-groups); otherwise none (--clear-groups). */
  initGroups: boolean;
}

/**
 * What `ip netns exec NS` runs: the command, as another user (setpriv, util-linux: real and effective uid and gid,
 * supplementary groups), inside the restart loop for `restart: on-failure` (the loop itself stays topo's user, so
 * that it can write its counter next to the pid file).
 */
export function processArgv(argv: string[], o: { name: string; as?: RunAs; restart?: { max: number; delayMs: number }; counter: string }): string[] {
  const groups = o.as?.initGroups ? '--init-groups' : '--clear-groups';
  const as = !o.as ? [] : o.as.gid !== undefined ? ['setpriv', `--reuid=${o.as.uid}`, `--regid=${o.as.gid}`, groups, '--']
    : ['sh', '-c', `u=$1; shift; exec setpriv --reuid="$u" --regid="$(id -g "$u")" ${groups} -- "$@"`, 'topo-user', String(o.as.uid)];
  const r = o.restart;
  const loop = r ? ['sh', '-c', RESTART_LOOP, 'topo-restart', o.name, String(r.max), String(r.delayMs), o.counter] : [];
  return [...loop, ...as, ...argv];
}

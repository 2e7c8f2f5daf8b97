// The processes that run a group of namespace scripts (see ns-group.ts), cheapest first. Each runs, one job after
// the other, `ip -json -d -batch SCRIPT` inside the job's network namespace, goes on after a job fails, and exits
// 0 when every job succeeded, 123 when some failed (xargs' convention). A job whose namespace can't be opened
// (deleted meanwhile) is named on stderr by a line GONE matches.
//
// Measured per namespace (a 500-namespace lab, sequential, `link show dev lo`): Perl 2.9–3.1 ms, xargs + nsenter
// 4.3–4.7 ms (nsenter is one more exec, which is most of the difference), `ip -n` 4.7–4.8 ms (it copies the
// mount table to remount /sys). Perl is on every Debian and Ubuntu system (perl-base is Essential).
import type { RunResult, Runner } from './runner.js';

export interface LaunchJob { nsPath: string; script: string }
export interface Launched extends RunResult { argv: string[] }

/** A line naming a job whose namespace could not be opened: group 1 is its path. */
export const GONE = /^(?:nsenter: )?cannot open (.+): (.*)$/;

/** setns(2) by architecture (Perl has no setns of its own); other architectures use nsenter. */
const SETNS: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, loong64: 268, ia32: 346, arm: 375 };
const CLONE_NEWNET = 0x40000000;

// Fork; in the child open the namespace, setns() into it and exec ip; in the parent wait, then the next job.
// Perl opens files close-on-exec, so `ip` inherits only stdin, stdout and stderr.
const PERL = `use strict; use warnings;
my ($nr, $failed) = (shift(@ARGV), 0);
local $/ = "\\0"; my @a = <STDIN>; chomp(@a);
while (my ($ns, $script) = splice(@a, 0, 2)) {
  my $pid = fork();
  if (!defined $pid) { print STDERR "fork: $!\\n"; exit 125; }
  if ($pid == 0) {
    open(my $fh, '<', $ns) or do { print STDERR "cannot open $ns: $!\\n"; exit 1; };
    syscall($nr, fileno($fh), ${CLONE_NEWNET}) == 0 or do { print STDERR "setns $ns: $!\\n"; exit 1; };
    exec('ip', '-json', '-d', '-batch', $script) or do { print STDERR "ip: $!\\n"; exit 127; };
  }
  waitpid($pid, 0);
  $failed = 1 if $?;
}
exit($failed ? 123 : 0);
`;

interface Launcher { argv: string[]; input: (jobs: LaunchJob[]) => string }

const LAUNCHERS: Launcher[] = [
  ...(SETNS[process.arch] ? [{ argv: ['perl', '-e', PERL, String(SETNS[process.arch])], input: (jobs: LaunchJob[]) => nul(jobs.flatMap((j) => [j.nsPath, j.script])) }] : []),
  { argv: ['xargs', '-0', '-n', '6', 'nsenter'], input: (jobs) => nul(jobs.flatMap((j) => [`--net=${j.nsPath}`, 'ip', '-json', '-d', '-batch', j.script])) },
];

const nul = (args: string[]) => `${args.join('\0')}\0`;

/** The first launcher found to exist on this machine (checked once per process). */
let first = 0;

/** Run the jobs with the cheapest launcher there is; undefined when there is none (then: one `ip -n` each). */
export async function launch(run: Runner, jobs: LaunchJob[]): Promise<Launched | undefined> {
  for (let i = first; i < LAUNCHERS.length; i++) {
    const l = LAUNCHERS[i];
    const r = await run(l.argv, { input: l.input(jobs) });
    if (r.exitCode !== 127 || r.stdout) return { ...r, argv: l.argv };
    // 127 with no output: the launcher (or, for xargs, nsenter) is not installed: the next one, from now on.
    first = Math.max(first, i + 1);
  }
  return undefined;
}

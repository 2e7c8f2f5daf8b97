// The process that runs a group of namespace scripts (see ns-group.ts): a few lines of Perl that, one job after
// the other, fork, enter the job's network namespace (setns only) and exec `ip -json -d -batch -` with the job's
// script on its stdin, through a pipe of its own. Scripts never touch the file system: a script file is something
// another user could swap between its write and its run, and `ip -batch` would run their lines as root (#11).
// The launcher goes on after a job fails, and exits 0 when every job succeeded, 123 when some failed (xargs'
// convention). A job whose namespace can't be opened (deleted meanwhile) is named on stderr by a line GONE
// matches; every failed job is named by a line JOB_FAILED matches, right after what its `ip` said.
//
// Measured per namespace (a 500-namespace lab, sequential, `link show dev lo`): Perl 2.9–3.1 ms, `ip -n`
// 4.7–4.8 ms (it copies the mount table to remount /sys). Perl is on every Debian and Ubuntu system (perl-base is
// Essential); where it (or its setns number for the CPU) is missing, the caller runs one `ip -n` per namespace.
import type { RunResult, Runner } from './runner.js';

export interface LaunchJob { nsPath: string; script: string }
export interface Launched extends RunResult { argv: string[] }

/** A line naming a job whose namespace could not be opened: group 1 is its path. */
export const GONE = /^cannot open (.+): (.*)$/;
/** A line naming a job that did not succeed (after its `ip`'s own words): group 1 is its namespace's path. */
export const JOB_FAILED = /^job (.+) failed \(.*\)$/;

/** setns(2) by architecture (Perl has no setns of its own). */
const SETNS: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, loong64: 268, ia32: 346, arm: 375 };
const CLONE_NEWNET = 0x40000000;

// Input: NUL-separated pairs (namespace path, script). Perl opens files close-on-exec (fds above $^F = 2), so
// `ip` inherits only stdin (the read end of its job's pipe), stdout and stderr. The parent writes the script
// while `ip` reads it; an `ip` that stops early (a failed line) closes the pipe: SIGPIPE is ignored, and the
// write's error with it.
const PERL = `use strict; use warnings;
my ($nr, $failed) = (shift(@ARGV), 0);
$SIG{PIPE} = 'IGNORE';
my @a = do { local $/ = "\\0"; my @x = <STDIN>; chomp(@x); @x };
while (my ($ns, $script) = splice(@a, 0, 2)) {
  pipe(my $r, my $w) or do { print STDERR "pipe: $!\\n"; exit 125; };
  my $pid = fork();
  if (!defined $pid) { print STDERR "fork: $!\\n"; exit 125; }
  if ($pid == 0) {
    close($w);
    open(my $fh, '<', $ns) or do { print STDERR "cannot open $ns: $!\\n"; exit 1; };
    syscall($nr, fileno($fh), ${CLONE_NEWNET}) == 0 or do { print STDERR "setns $ns: $!\\n"; exit 1; };
    open(STDIN, '<&', $r) or do { print STDERR "stdin: $!\\n"; exit 1; };
    exec('ip', '-json', '-d', '-batch', '-') or do { print STDERR "ip: $!\\n"; exit 127; };
  }
  close($r);
  print {$w} $script;
  close($w);
  waitpid($pid, 0);
  if ($?) { $failed = 1; print STDERR "job $ns failed (status $?)\\n"; }
}
exit($failed ? 123 : 0);
`;

const nul = (args: string[]) => `${args.join('\0')}\0`;

/** Whether Perl was found missing in this process (then every group runs one `ip -n` per namespace). */
let missing = SETNS[process.arch] === undefined;

/** Run the jobs through the Perl launcher; undefined when there is none here (then: one `ip -n` each). */
export async function launch(run: Runner, jobs: LaunchJob[]): Promise<Launched | undefined> {
  if (missing) return undefined;
  // A NUL inside a script would shift every job after it: scripts are argv rendered as text, which holds none.
  if (jobs.some((j) => j.script.includes('\0') || j.nsPath.includes('\0'))) throw new Error('a namespace script holds a NUL byte');
  const argv = ['perl', '-e', PERL, String(SETNS[process.arch])];
  const r = await run(argv, { input: nul(jobs.flatMap((j) => [j.nsPath, j.script])) });
  if (r.exitCode === 127 && !r.stdout) {
    // 127 with no output (the launcher itself exits 0, 123 or 125): Perl is not installed, from now on.
    missing = true;
    return undefined;
  }
  return { ...r, argv };
}

// The command line: every command with its arguments, options and help text. An action loads the module that
// implements it (commands.ts, extra-commands.ts) only when it runs, so `topo --help` loads commander alone.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { VERSION_TEXT } from './version.js';

/** What the running command asked for that matters after it fails: errors as one JSON document. */
export const invocation = { json: false };

const core = () => import('./commands.js');
const extra = () => import('./extra-commands.js');
const procs = () => import('./process-commands.js');

/** An action: notes --json, runs the command and keeps its exit code (main.ts exits). */
const wrap = <A extends unknown[]>(fn: (...a: A) => Promise<number>) => async (...a: A) => {
  invocation.json = Boolean((a[a.length - 2] as { json?: boolean } | undefined)?.json);
  process.exitCode = await fn(...a);
};

/**
 * --format, with the values the command knows: any other is a usage error (exit 64) that lists them, never a
 * silent fallback to the default.
 */
/** --host NAME: one host's part of a lab that spans several (cli/host-option.ts). */
const host = () => new Option('--host <name>', "with a file that spans machines (machines:): work on this host's part, on this machine");
/** --ssh-config FILE: the ssh configuration the fan-out's ssh reads (ssh -F FILE) (src/remote/). */
const sshConfig = () => new Option('--ssh-config <file>', "with a file that spans machines, driven from here over ssh: ssh's configuration file (ssh -F FILE)");
const instance = () => new Option('--name <name>', 'work on a copy of the lab named NAME (namespaces NAME-NS), beside the file\'s own: two copies of one file on one machine');

const format = (help: string, values: string[], def: string) =>
  new Option('--format <format>', help).choices(values).default(def);

function seconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number of seconds, e.g. 10');
  return n;
}

export const program = new Command('topo')
  .description('Declarative Linux network topologies: namespaces, links, addresses, routes, firewall and NAT, shaping, files and processes')
  .version(VERSION_TEXT, '--version', 'print topo\'s version and the engine that reads the kernel')
  .exitOverride()
  .showHelpAfterError();

program.command('validate').argument('<file>').description('check a topology file (schema and semantics), no kernel access')
  .option('--strict', 'treat warnings as errors (exit 65)')
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await core()).validateCmd(f, o)));
program.command('plan').argument('<file>').description('show what apply would change (+ create, ~ change, - delete)')
  .option('--commands', 'list the exact commands under each change')
  .addOption(format('the form of the plan (sh: a runnable shell script)', ['text', 'sh', 'json'], 'text'))
  .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes')
  .option('--strict', 'treat warnings as errors (exit 65)')
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await core()).planCmd(f, o)));
program.command('apply').argument('<file>').description('make the kernel match the file, then verify')
  .option('--no-rollback', 'on failure, keep the partial state for debugging')
  .option('--test', "run the lab's connectivity tests after apply; exit 1 when one fails")
  .option('-q, --quiet', 'print the summary line alone: no plan, no progress')
  .option('--strict', 'treat warnings as errors (exit 65)')
  .option('--wait <seconds>', 'wait up to SECONDS for another apply/destroy of this lab to finish, then exit 75 (default 5)', seconds)
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await core()).applyCmd(f, o)));
program.command('destroy').argument('[file]').usage('<file> | --lab <name> | --all')
  .description('remove everything the lab owns (no confirmation: labs are disposable; a lab with running processes or host changes gets its plan printed first)')
  .option('--lab <name>', 'the lab by its name, without its file (see topo ls)')
  .option('--all', "every lab on this machine (with a record or topo's marks); nothing unmarked is touched")
  .option('-q, --quiet', 'print the summary line alone: no plan, no progress')
  .option('--wait <seconds>', 'wait up to SECONDS for another apply/destroy of this lab to finish, then exit 75 (default 5)', seconds)
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string | undefined, o) => (await core()).destroyCmd(f, o)));
program.command('ls').description('every lab on this machine: namespaces, objects, processes, host changes, drift against the file it was applied from')
  .option('--json', 'print one JSON document').action(wrap(async (o) => (await import('./ls-commands.js')).lsCmd(o)));
program.command('show').argument('<file>').description("the lab's live state per namespace, and drift against the file")
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await core()).showCmd(f, o)));
program.command('test').argument('<file>').description("run the lab's connectivity tests (tests:) and print a table; exit 1 when one fails")
  .option('--timeout <seconds>', 'how long each target has to answer', '2')
  .option('--junit <file>', 'also write the results as JUnit XML to FILE (for CI dashboards)')
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await extra()).testCmd(f, o)));
program.command('exec').argument('<file>').argument('<namespace>').argument('[command...]')
  .usage('<file> <namespace> [-- <command> [args...]]')
  .description("run a command inside one of the lab's namespaces (stdin, stdout, stderr and exit code passed through); without one, an interactive shell ($SHELL) whose prompt names the lab and namespace")
  .addOption(host())
  .addOption(sshConfig())
  .addOption(instance())
  .allowUnknownOption()
  .action(wrap(async (f: string, ns: string, cmd: string[], o) => (await extra()).execCmd(f, ns, cmd, o)));
program.command('link').addArgument(new Argument('<state>', 'down or up').choices(['down', 'up'])).argument('<file>').argument('<namespace>').argument('<interface>')
  .description("take one of the lab's interfaces down or bring it up (failure injection); the next apply puts it back as the file says")
  .option('--for <seconds>', 'wait SECONDS, then put the interface back as it was (a signal puts it back at once)', seconds)
  .addOption(host())
  .addOption(instance())
  .option('--json', 'print one JSON document')
  .action(wrap(async (state: 'up' | 'down', f: string, ns: string, iface: string, o) => (await extra()).linkCmd(state, f, ns, iface, o)));
program.command('ps').argument('<file>').description("the lab's processes (run:): namespace, pid, status, uptime, ready")
  .addOption(host())
  .addOption(instance())
  .option('--json', 'print one JSON document').action(wrap(async (f: string, o) => (await procs()).psCmd(f, o)));
program.command('logs').argument('<file>').argument('[name]', 'one process (default: all, each line after its name)')
  .description("what the lab's processes wrote (stdout and stderr), from <state dir>/logs/<lab>/<name>.log")
  .option('-f, --follow', 'go on printing what they write, until interrupted')
  .addOption(host())
  .addOption(instance())
  .action(wrap(async (f: string, name: string | undefined, o) => (await procs()).logsCmd(f, name, o)));
program.command('graph').argument('<file>').description('print the lab as a diagram: Mermaid (default), Graphviz DOT or SVG')
  .addOption(format('the kind of diagram (svg needs Graphviz)', ['mermaid', 'dot', 'svg'], 'mermaid'))
  .option('-o, --output <file>', 'write to this file instead of standard output')
  .action(wrap(async (f: string, o) => (await extra()).graphCmd(f, o)));
program.command('import').description('write the live namespaces (all, or --namespaces) as a topology file that apply reproduces')
  .option('--namespaces <list>', 'comma-separated namespaces to import (default: every one in /run/netns)')
  .option('--name <lab>', "the lab's name (default: the lab whose marks the namespaces carry)")
  .option('-o, --output <file>', 'write the file there instead of standard output')
  .option('--json', 'print one JSON document').action(wrap(async (o) => (await import('./import-command.js')).importCmd(o)));
program.command('sandbox').argument('<file>').argument('[command...]')
  .usage('<file> [-- <command> [args...]]')
  .description("apply the lab in a throwaway private sandbox (its own network, mount and PID namespaces), run its tests, then the command or a shell; everything is gone when it exits")
  .option('--keep-going', 'run the command (or the shell) even when a test fails')
  .option('-q, --quiet', 'print nothing but errors before the command runs')
  .addOption(new Option('--inside <namespaces>').hideHelp())
  .addOption(new Option('--hold').hideHelp())
  .allowUnknownOption()
  .action(wrap(async (f: string, cmd: string[], o) => {
    invocation.json = Boolean(o.hold); // the library's sandbox mode reads its errors as JSON
    return (await import('./sandbox.js')).sandboxCmd(f, cmd, o);
  }));
program.command('completion').addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
  .description('print the shell completion script: commands, options, lab files, and the namespaces, interfaces and processes of the lab on the line')
  .addHelpText('after', '\nLoad it: source <(topo completion bash)   |   zsh: source <(topo completion zsh)   |   fish: topo completion fish | source')
  .action(wrap(async (shell: 'bash' | 'zsh' | 'fish') => {
    process.stdout.write((await import('./completion-scripts.js')).completionScript(shell));
    return 0;
  }));

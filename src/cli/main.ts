// The CLI entry point: parses arguments, runs one command, renders errors, and is the only place that exits.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT } from '../errors.js';
import { errorJson, errorText, exitCodeOf } from '../render/errors.js';
import { applyCmd, destroyCmd, planCmd, showCmd, validateCmd } from './commands.js';
import { registerExtraCommands } from './extra-commands.js';

const program = new Command('topo')
  .description('Declarative Linux network topologies: namespaces, veths, bridges, addresses, routes, sysctls, NAT')
  .exitOverride()
  .showHelpAfterError();
let json = false;
function seconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number of seconds, e.g. 10');
  return n;
}
const wrap = <A extends unknown[]>(fn: (...a: A) => Promise<number>) => async (...a: A) => {
  json = Boolean((a[a.length - 2] as { json?: boolean } | undefined)?.json);
  process.exitCode = await fn(...a);
};

program.command('validate').argument('<file>').description('check a topology file (schema and semantics), no kernel access')
  .option('--json', 'print one JSON document').action(wrap((f: string, o) => validateCmd(f, o)));
program.command('plan').argument('<file>').description('show what apply would change (+ create, ~ change, - delete)')
  .option('--commands', 'list the exact commands under each change')
  .option('--format <format>', 'text | sh (a runnable shell script) | json', 'text')
  .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes')
  .option('--json', 'print one JSON document').action(wrap((f: string, o) => planCmd(f, o)));
program.command('apply').argument('<file>').description('make the kernel match the file, then verify')
  .option('--no-rollback', 'on failure, keep the partial state for debugging')
  .option('--test', "run the lab's connectivity tests after apply; exit 1 when one fails")
  .option('--wait <seconds>', 'wait up to SECONDS for another apply/destroy of this lab to finish, then exit 75 (default 5)', seconds)
  .option('--json', 'print one JSON document').action(wrap((f: string, o) => applyCmd(f, o)));
program.command('destroy').argument('<file>').description('remove everything the lab owns')
  .option('--wait <seconds>', 'wait up to SECONDS for another apply/destroy of this lab to finish, then exit 75 (default 5)', seconds)
  .option('--json', 'print one JSON document').action(wrap((f: string, o) => destroyCmd(f, o)));
program.command('show').argument('<file>').description("the lab's live state per namespace, and drift against the file")
  .option('--json', 'print one JSON document').action(wrap((f: string, o) => showCmd(f, o)));
registerExtraCommands(program, wrap);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const { formatProblems } = await import('../validate/index.js');
    if (json) process.stdout.write(`${JSON.stringify(errorJson(e), null, 2)}\n`);
    else process.stderr.write(errorText(e, formatProblems));
    process.exitCode = exitCodeOf(e);
  }
}

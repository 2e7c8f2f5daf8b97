// The CLI entry point: parses arguments, runs one command, renders errors, and is the only place that exits.
import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { errorJson, errorText, exitCodeOf } from '../render/errors.js';
import { ignoreOutputErrors, jsonDocument } from './output.js';
import { invocation, program } from './program.js';

ignoreOutputErrors();
try {
  // The shells' completion scripts call `topo __complete WORD...`: the words are the line being typed, not
  // options for topo, so they bypass the parser.
  if (process.argv[2] === '__complete') await (await import('./completion.js')).completeCmd(program, process.argv.slice(3));
  else await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const { formatProblems } = await import('../validate/index.js');
    const opts = { debug: Boolean(process.env.TOPO_DEBUG) && process.env.TOPO_DEBUG !== '0' };
    if (invocation.json) process.stdout.write(`${JSON.stringify(jsonDocument(errorJson(e, opts)), null, 2)}\n`);
    else process.stderr.write(errorText(e, formatProblems, opts));
    process.exitCode = exitCodeOf(e);
  }
}

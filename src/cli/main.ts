// The CLI entry point: parses arguments, runs one command, renders errors, and is the only place that sets the exit
// code. bin/topo.js calls main() in the bundle (dist/topo.cjs, scripts/bundle.mjs), which also carries warmUp for
// the build.
import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { errorJson, errorText, exitCodeOf } from '../render/errors.js';
import { ignoreOutputErrors, jsonDocument } from './output.js';
import { invocation, program } from './program.js';
import { setCodeCache } from './version.js';

/** The build's warm-up (warm-up.ts), loaded only when called: its modules are then evaluated only when used. */
export const warmUp = async (files: string[]): Promise<number> => (await import('./warm-up.js')).warmUp(files);

/** Runs the command argv names; `codeCache` is how bin/topo.js loaded the bundle (used, rejected, none). */
export async function main(argv: string[], codeCache: string): Promise<void> {
  setCodeCache(codeCache);
  ignoreOutputErrors();
  try {
    // The shells' completion scripts call `topo __complete WORD...`: the words are the line being typed, not
    // options for topo, so they bypass the parser.
    if (argv[2] === '__complete') await (await import('./completion.js')).completeCmd(program, argv.slice(3));
    else await program.parseAsync(argv);
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
}

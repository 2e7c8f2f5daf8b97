// `topo exec`: run a command inside one of the lab's namespaces with the terminal passed straight through
// (stdin, stdout, stderr inherited) and its exit status returned. A namespace the file doesn't declare is refused.
import { constants } from 'node:os';
import { execa } from 'execa';
import { EXIT, TopoError } from '../errors.js';
import { HOST, type Topology } from '../model.js';
import { listNetns } from '../io/read-live.js';
import type { Runner } from '../io/runner.js';

/** Namespaces the file declares (the host always counts: it is where topo runs). */
export function declaredNamespaces(topo: Topology): string[] {
  return [...new Set([...Object.keys(topo.namespaces ?? {}), HOST])];
}

export function execArgv(ns: string, command: string[]): string[] {
  return ns === HOST ? command : ['ip', 'netns', 'exec', ns, ...command];
}

/** Refuses what would not run where the user meant: an undeclared namespace, or one not created yet. */
export async function checkExecTarget(topo: Topology, ns: string, run: Runner): Promise<void> {
  const declared = declaredNamespaces(topo);
  if (!declared.includes(ns)) {
    throw new TopoError('E_USAGE', `namespace ${JSON.stringify(ns)} is not declared by lab "${topo.name}"`, EXIT.USAGE,
      { hint: `namespaces of this lab: ${declared.join(', ')}` });
  }
  if (ns !== HOST && !(await listNetns(run)).includes(ns)) {
    throw new TopoError('E_NOT_APPLIED', `namespace ${ns} does not exist yet`, EXIT.FAILED, { hint: 'create the lab first with topo apply FILE' });
  }
}

/** Runs the command with inherited stdio; returns its exit code (128 + signal number when killed by a signal). */
export async function execInNamespace(ns: string, command: string[]): Promise<number> {
  const argv = execArgv(ns, command);
  // Ctrl-C reaches the child from the terminal (same process group): topo waits for it and reports its status.
  // SIGTERM/SIGHUP sent to topo alone are passed on to the child.
  const child = execa(argv[0], argv.slice(1), { stdio: 'inherit', reject: false });
  const ignore = () => undefined;
  const pass = (sig: NodeJS.Signals) => { child.kill(sig); };
  process.on('SIGINT', ignore).on('SIGTERM', pass).on('SIGHUP', pass);
  try {
    const r = await child;
    if (r.exitCode !== undefined) return r.exitCode;
    if (r.signal) return 128 + (constants.signals[r.signal as keyof typeof constants.signals] ?? 0);
    const missing = (r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    process.stderr.write(`topo exec: ${missing ? `${argv[0]}: command not found` : r.message}\n`);
    return missing ? 127 : EXIT.FAILED;
  } finally {
    process.off('SIGINT', ignore).off('SIGTERM', pass).off('SIGHUP', pass);
  }
}

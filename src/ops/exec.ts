// `topo exec`: run a command inside one of the lab's namespaces with the terminal passed straight through
// (stdin, stdout, stderr inherited) and its exit status returned. A namespace the file doesn't declare is refused,
// and so is one of that name that is not the lab's (the lab not applied, someone else's namespace): the kernel must
// prove it the lab's, as for apply and destroy (see ownsNamespace in kinds/common.ts).
import { constants } from 'node:os';
import { execa } from 'execa';
import { EXIT, TopoError } from '../errors.js';
import { HOST, type Topology } from '../model.js';
import type { IpLink } from '../core/live.js';
import { namespaceProof } from '../kinds/common.js';
import { jsonDocs, linksOf } from '../io/live-shape.js';
import { netnsIdentity } from '../io/netns-identity.js';
import { listNetns } from '../io/read-live.js';
import { loadContext } from './observe.js';
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
  if (ns === HOST) return;
  if (!(await listNetns(run)).includes(ns)) {
    throw new TopoError('E_NOT_APPLIED', `namespace ${ns} does not exist yet`, EXIT.FAILED, { hint: 'create the lab first with topo apply FILE' });
  }
  const ctx = await loadContext(topo.name);
  const [lo, identity] = await Promise.all([readLo(run, ns), netnsIdentity(ns)]);
  // Its identity or its mark: one only named in the record (an apply cut off right after `netns add`) is not enough.
  const proof = namespaceProof(ctx, { name: ns, links: lo ? [lo] : [], routes: [], sysctls: {}, identity });
  if (proof !== 'identity' && proof !== 'mark') {
    throw new TopoError('E_NOT_OWNED', `namespace ${ns} exists but is not lab "${topo.name}"'s (not created by its apply, or made again since): refusing to run a command in it`,
      EXIT.FAILED, { hint: 'apply the lab first with topo apply FILE (it refuses to take over a namespace it did not create)' });
  }
}

/** The namespace's `lo` as `ip -json` shows it (its ifalias is the lab's mark). */
async function readLo(run: Runner, ns: string): Promise<IpLink | undefined> {
  const argv = ['ip', '-n', ns, '-json', 'link', 'show', 'dev', 'lo'];
  const r = await run(argv);
  if (r.exitCode !== 0) throw new TopoError('E_READ', `reading the kernel failed: ${argv.join(' ')}: ${r.stderr.trim()}`, EXIT.FAILED);
  return linksOf(jsonDocs(r.stdout, argv)[0]).find((l) => l.ifname === 'lo');
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

// `topo link down|up`: failure injection for tests. One interface the lab owns is taken down (or brought up) by
// hand, as a cable pulled; `--for SECONDS` puts it back as it was after that time, topo waiting in the foreground
// (a signal — Ctrl-C, SIGTERM, SIGHUP — puts it back at once, then topo exits). The file still says what the
// interface should be: the next `topo apply` repairs the change as drift. Only the lab's own interfaces: one the
// kernel doesn't prove the lab's (its alias, see ownsLink) in a namespace that is the lab's is refused.
import { EXIT, TopoError } from '../errors.js';
import { HOST, type Topology } from '../model.js';
import { linkIsUp, type IpLink } from '../core/live.js';
import { namespaceProof, ownsLink } from '../kinds/common.js';
import { jsonDocs, linksOf } from '../io/live-shape.js';
import { netnsIdentity } from '../io/netns-identity.js';
import { listNetns } from '../io/read-live.js';
import { holdSignals, signalExit, type StopSignal } from '../io/execute.js';
import type { Runner } from '../io/runner.js';
import { declaredNamespaces } from './exec.js';
import { loadContext } from './observe.js';

export type LinkState = 'up' | 'down';
export interface LinkResult {
  lab: string; namespace: string; interface: string;
  /** What the command set, and what the kernel showed right after. */
  state: LinkState; was: LinkState;
  /** --for: seconds it stayed so, and the state put back (read back), or the signal that cut the wait short. */
  forSeconds?: number; restored?: LinkState; interrupted?: StopSignal;
}

const linkArgv = (ns: string, iface: string, ...rest: string[]) => ['ip', ...(ns === HOST ? [] : ['-n', ns]), ...rest, 'dev', iface];

async function readLink(run: Runner, ns: string, iface: string): Promise<IpLink | undefined> {
  const argv = linkArgv(ns, iface, '-json', 'link', 'show');
  const r = await run(argv);
  if (r.exitCode !== 0) {
    if (/does not exist|Cannot find device/.test(r.stderr)) return undefined;
    throw new TopoError('E_READ', `reading the kernel failed: ${argv.join(' ')}: ${r.stderr.trim()}`, EXIT.FAILED);
  }
  return linksOf(jsonDocs(r.stdout, argv)[0]).find((l) => l.ifname === iface);
}

async function setState(run: Runner, ns: string, iface: string, state: LinkState): Promise<LinkState> {
  const argv = [...linkArgv(ns, iface, 'link', 'set'), state];
  const r = await run(argv);
  if (r.exitCode !== 0) throw new TopoError('E_COMMAND', `${argv.join(' ')}: ${r.stderr.trim()}`, EXIT.FAILED);
  const now = await readLink(run, ns, iface);
  if (!now) throw new TopoError('E_VERIFY', `interface ${iface} in ${ns} is gone`, EXIT.FAILED);
  return linkIsUp(now) ? 'up' : 'down';
}

/** Refuses anything but an interface the lab owns, in a namespace the kernel proves the lab's. */
export async function checkLabLink(topo: Topology, ns: string, iface: string, run: Runner): Promise<IpLink> {
  const declared = declaredNamespaces(topo);
  if (!declared.includes(ns)) {
    throw new TopoError('E_USAGE', `namespace ${JSON.stringify(ns)} is not declared by lab "${topo.name}"`, EXIT.USAGE, { hint: `namespaces of this lab: ${declared.join(', ')}` });
  }
  if (ns !== HOST && !(await listNetns(run)).includes(ns)) {
    throw new TopoError('E_NOT_APPLIED', `namespace ${ns} does not exist yet`, EXIT.FAILED, { hint: 'create the lab first with topo apply FILE' });
  }
  const ctx = await loadContext(topo.name);
  const link = await readLink(run, ns, iface);
  if (!link) throw new TopoError('E_USAGE', `there is no interface ${JSON.stringify(iface)} in ${ns === HOST ? 'the host namespace' : `namespace ${ns}`}`, EXIT.USAGE);
  if (ns !== HOST) {
    const lo = await readLink(run, ns, 'lo');
    const proof = namespaceProof(ctx, { name: ns, links: lo ? [lo] : [], routes: [], sysctls: {}, identity: await netnsIdentity(ns) });
    if (proof !== 'identity' && proof !== 'mark') {
      throw new TopoError('E_NOT_OWNED', `namespace ${ns} exists but is not lab "${topo.name}"'s: refusing to change an interface in it`, EXIT.FAILED);
    }
  }
  if (!ownsLink(ctx, ns, link)) {
    throw new TopoError('E_NOT_OWNED', `interface ${iface} in ${ns === HOST ? 'the host namespace' : `namespace ${ns}`} is not lab "${topo.name}"'s: topo link changes only the lab's own interfaces`,
      EXIT.FAILED, { hint: link.ifalias ? `its alias is ${JSON.stringify(link.ifalias)}, not "${ctx.lab.alias}"` : 'it carries no topo mark (made by someone else)' });
  }
  return link;
}

export async function setLabLink(topo: Topology, ns: string, iface: string, state: LinkState, opts: { run: Runner; forSeconds?: number }): Promise<LinkResult> {
  const link = await checkLabLink(topo, ns, iface, opts.run);
  const was: LinkState = linkIsUp(link) ? 'up' : 'down';
  if (opts.forSeconds === undefined) return { lab: topo.name, namespace: ns, interface: iface, was, state: await setState(opts.run, ns, iface, state) };
  // From here a signal cuts the wait short; the interface is put back either way.
  let interrupted: StopSignal | undefined;
  let wake: () => void = () => undefined;
  const release = holdSignals((sig) => { interrupted ??= sig; wake(); });
  try {
    const now = await setState(opts.run, ns, iface, state);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, opts.forSeconds! * 1000);
      wake = () => { clearTimeout(t); resolve(); };
      if (interrupted) wake();
    });
    const restored = await setState(opts.run, ns, iface, was);
    return { lab: topo.name, namespace: ns, interface: iface, was, state: now, forSeconds: opts.forSeconds, restored, ...(interrupted ? { interrupted } : {}) };
  } finally { release(); }
}

/** The exit code after a --for wait cut short by a signal (as a shell reports it); 0 otherwise. */
export const linkExit = (r: LinkResult): number => (r.interrupted ? signalExit(r.interrupted) : 0);

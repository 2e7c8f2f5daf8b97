// --name NAME: the lab as a copy of its own beside the file's (core/instance.ts): lab NAME, namespaces NAME-NS. On
// the command line a namespace is still named as the file names it (`topo exec FILE NS --name NAME`).
import { instanceNs, instanceOf } from '../core/instance.js';
import { EXIT, TopoError } from '../errors.js';
import type { Topology } from '../model.js';
import { indexLab } from '../validate/lab-index.js';

/** Which part or copy of the file a command works on: --host (cli/host-option.ts) and --name. */
export interface PartOpts { host?: string; name?: string }

export function forInstance(topo: Topology, name: string | undefined): Topology {
  if (name === undefined) return topo;
  const copy = instanceOf(topo, name, indexLab(topo));
  if (typeof copy === 'string') {
    throw new TopoError('E_USAGE', copy, EXIT.USAGE, { hint: 'run each copy of this lab in a sandbox of its own instead: topo sandbox FILE, or up(source, { sandbox: true }) from the library' });
  }
  return copy;
}

/** A namespace named on the command line, as the kernel knows it in the copy --name. */
export const nsOf = (o: PartOpts, ns: string): string => (o.name === undefined ? ns : instanceNs(o.name, ns));

/** destroy's view of the copy --name, from the file unvalidated: its lab name and the namespaces it would have. */
export function labOfInstance(lab: { name: string; namespaces: string[] }, o: PartOpts): { name: string; namespaces: string[] } {
  if (o.name === undefined) return lab;
  if (o.host !== undefined) throw bothParts();
  return { name: o.name, namespaces: lab.namespaces.map((ns) => instanceNs(o.name!, ns)) };
}

export const bothParts = () => new TopoError('E_USAGE', '--name and --host can\'t be given together (a copy of one host\'s part is not supported yet)', EXIT.USAGE);

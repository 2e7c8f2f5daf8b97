// --host NAME: a command works on one host's part of a lab that spans several machines (machines:) (core/host-slice.ts), under that
// part's own identity "lab.host" (its marks, state record and lock), so that any orchestrator — a person with ssh,
// Ansible, a systemd unit — can apply a multi-host file on each machine in turn. A file without machines: is as before.
import { defaultHost, sliceHost, sliceLabName, splitNs } from '../core/host-slice.js';
import { didYouMean } from '../core/suggest.js';
import { EXIT, TopoError } from '../errors.js';
import { underlayLinks } from '../io/underlay-link.js';
import type { Topology } from '../model.js';
import { indexLab } from '../validate/lab-index.js';
import type { LabOfFile } from './lab-of.js';

const COMMANDS = 'apply, plan, show, test, destroy, exec, link, ps and logs';

/** The host a command works on: --host, or the file's only host; undefined for a file without machines:. */
function chosenHost(hosts: string[], host: string | undefined): string | undefined {
  if (!hosts.length) {
    if (host !== undefined) throw new TopoError('E_USAGE', `--host ${host}: the file declares no machines`, EXIT.USAGE, { hint: 'drop --host: the whole lab is on this machine' });
    return undefined;
  }
  if (host === undefined) {
    if (hosts.length === 1) return hosts[0];
    throw new TopoError('E_USAGE', `the lab spans hosts ${hosts.join(', ')}: say which host's part to work on with --host NAME`, EXIT.USAGE,
      { hint: `--host works with ${COMMANDS}, run on that host; apply, plan, show, test, destroy and exec without --host drive every host from here over ssh` });
  }
  if (!hosts.includes(host)) throw new TopoError('E_USAGE', `--host ${host}: the file declares no such host${didYouMean(host, hosts)}`, EXIT.USAGE, { hint: `its hosts: ${hosts.join(', ')}` });
  return host;
}

/** The validated file as the command works on it: the whole of a single-host file, or one host's slice. */
export function forHost(topo: Topology, host: string | undefined): Topology {
  const h = chosenHost(Object.keys(topo.machines ?? {}), host);
  if (h === undefined) return topo;
  // A link's default MTU follows this host's underlay interface, when this machine is that host.
  const underlay = topo.links?.length && topo.machines?.[h]?.underlay !== undefined ? underlayLinks()(topo.machines[h].underlay!) : undefined;
  return { ...sliceHost(topo, h, indexLab(topo), underlay).topo, name: sliceLabName(topo.name, h) };
}

/**
 * destroy's view of one host's slice, from the file unvalidated (destroy works from a file edited into an invalid
 * one; `lab` is lab-of.ts's parse of it, `machines:` included): the slice's name and, as a hint, the namespaces the
 * file puts on that host, under their own names.
 */
export function labOfHost(lab: LabOfFile, host: string | undefined): { name: string; namespaces: string[] } {
  const m = lab.machines;
  const hosts = m && typeof m === 'object' && !Array.isArray(m) ? m as NonNullable<Topology['machines']> : {};
  const h = chosenHost(Object.keys(hosts), host);
  if (h === undefined) return { name: lab.name, namespaces: lab.namespaces };
  const dflt = defaultHost({ name: lab.name, machines: hosts });
  const namespaces = lab.namespaces.filter((ns) => (splitNs(ns).host ?? dflt) === h).map((ns) => splitNs(ns).name);
  return { name: sliceLabName(lab.name, h), namespaces };
}

// A copy of a lab under another name (--name NAME), so that two copies of one file run side by side on one machine
// (two CI jobs): the lab is called NAME (its marks, state record, lock, nft tables) and each of its namespaces
// NAME-NS, in every place the file names it. What is in the host namespace can't be copied — two copies would
// claim the same interface names, routes and sysctls there — so a lab that puts anything there is refused (its
// copies run in `topo sandbox` instead). Pure.
import { HOST, type Topology } from '../model.js';
import type { LabModel } from './lab-model.js';
import { partOf } from './host-slice.js';
import { LAB_NAME, NS_NAME } from './names.js';

/** The name a namespace of the file has in the copy NAME (the host namespace is the host's). */
export const instanceNs = (name: string, ns: string): string => (ns === HOST ? HOST : `${name}-${ns}`);

/** The copy NAME of the lab; a string saying why when it can't be made. */
export function instanceOf(t: Topology, name: string, model: LabModel): Topology | string {
  if (!LAB_NAME.test(name) || name.includes('.')) {
    return `--name ${JSON.stringify(name)} is not a lab name (lowercase letters, digits and dashes, up to 16, starting with a letter or digit)`;
  }
  const inHost = [
    ...model.ifaces.filter((f) => f.ns === HOST).map((f) => `${f.role} ${f.name}`),
    ...(t.namespaces?.[HOST] ? [`namespaces.${HOST} (its routes, sysctls, NAT or firewall)`] : []),
  ];
  if (inHost.length) {
    return `--name makes a second copy of lab "${t.name}", but it has objects in the host namespace, which two copies can't both own: `
      + `${inHost.slice(0, 4).join(', ')}${inHost.length > 4 ? `, and ${inHost.length - 4} more` : ''}`;
  }
  const long = Object.keys(t.namespaces ?? {}).find((ns) => !NS_NAME.test(instanceNs(name, ns)));
  if (long !== undefined) return `--name ${name}: namespace ${JSON.stringify(long)} would be called ${JSON.stringify(instanceNs(name, long))}, longer than a namespace name may be (64)`;
  return { ...partOf(t, () => true, (ns) => instanceNs(name, ns), model).topo, name };
}

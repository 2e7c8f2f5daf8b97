// The resolve step: the validated file as one model that the kinds, validation, `topo show`, `topo graph` and the
// connectivity tests all read. Every interface of every kind (each kind contributes its own through
// Kind.interfaces) with its namespace defaulted, its addresses and its place in the file; indexed once.
import { HOST, type Topology } from '../model.js';
import type { Finding } from './finding.js';
import { parseCidr, type Cidr } from './ip.js';
import { didYouMean } from './suggest.js';

/** An interface the file declares. */
export interface DeclaredIface {
  ns: string;
  name: string;
  /** The kind that declares it. */
  kind: string;
  /** What messages call it ("veth end", "bridge"). */
  role: string;
  /** Where the name is written (JSON pointer), as the mapping's key or as a "name" value. */
  path: string;
  at: 'key' | 'value';
  /** The interface's mapping (where its mtu, bridge, ... keys are). */
  base: string;
  addresses: { text: string; cidr?: Cidr; path: string }[];
  mtu?: number;
  /** false: declared down. */
  up: boolean;
  /** The interface it is a port of, in its namespace (a bridge). */
  master?: string;
  /** It takes ports (a bridge): other interfaces name it as their `master`. */
  ports?: boolean;
  /**
   * Interfaces with the same wire id are joined at layer 2 (the two ends of a veth, the tunnel endpoints of one
   * network); `label` names the wire.
   */
  wire?: { id: string; label: string };
  /**
   * The interface this one is stacked on (a macvlan's parent), declared in the file or not (the host's own): it is
   * on that interface's layer 2 segment, as are the others stacked on it.
   */
  lower?: { ns: string; name: string };
  /**
   * The interface of its namespace it sends through (a tunnel's underlay; not on its layer 2 segment): without an
   * `mtu` of its own it is created with the underlay's MTU less `overhead` (the headers it adds).
   */
  underlay?: { name: string; overhead: number };
}

export interface LabModel {
  topo: Topology;
  /** Every namespace the file declares, and the host. */
  namespaces: Set<string>;
  ifaces: DeclaredIface[];
  /** "ns/name" → first interface declared with that name in that namespace. */
  byKey: Map<string, DeclaredIface>;
  /** "ns/name" → interface that takes ports (a bridge). */
  masters: Map<string, DeclaredIface>;
  /** Interfaces per namespace, and the first interface of each name in any namespace. */
  byNs: Map<string, DeclaredIface[]>;
  byName: Map<string, DeclaredIface>;
}

export const ifKey = (ns: string, name: string) => `${ns}/${name}`;

/** The addresses of an interface as the model keeps them: text, parsed (undefined if invalid), place in the file. */
export function addressesAt(list: string[] | undefined, base: string): DeclaredIface['addresses'] {
  return (list ?? []).map((text, i) => {
    const c = parseCidr(text);
    return { text, cidr: typeof c === 'string' ? undefined : c, path: `${base}/addresses/${i}` };
  });
}

/** The kinds' interfaces of the file, indexed. `kinds`: the registry (anything with `interfaces`). */
export function resolveLab(topo: Topology, kinds: readonly { interfaces?(t: Topology): DeclaredIface[] }[]): LabModel {
  const cached = models.get(topo);
  if (cached && cached.kinds === kinds) return cached.model;
  const ifaces = kinds.flatMap((k) => k.interfaces?.(topo) ?? []);
  const byKey = new Map<string, DeclaredIface>();
  const masters = new Map<string, DeclaredIface>();
  const byNs = new Map<string, DeclaredIface[]>();
  const byName = new Map<string, DeclaredIface>();
  for (const f of ifaces) {
    const k = ifKey(f.ns, f.name);
    if (!byKey.has(k)) byKey.set(k, f);
    if (f.ports && !masters.has(k)) masters.set(k, f);
    if (!byName.has(f.name)) byName.set(f.name, f);
    const list = byNs.get(f.ns);
    if (list) list.push(f); else byNs.set(f.ns, [f]);
  }
  const model = { topo, namespaces: new Set([HOST, ...Object.keys(topo.namespaces ?? {})]), ifaces, byKey, masters, byNs, byName };
  models.set(topo, { kinds, model });
  return model;
}

/** One model per topology object: validation, planning and verification of one file resolve it once. */
const models = new WeakMap<Topology, { kinds: readonly unknown[]; model: LabModel }>();

export const ifacesOf = (m: LabModel, ns: string): DeclaredIface[] => m.byNs.get(ns) ?? [];

/** How messages name a namespace: "the host namespace" or `namespace "ns1"`. */
export const nsText = (ns: string) => (ns === HOST ? 'the host namespace' : `namespace ${JSON.stringify(ns)}`);

/** An interface named by a route or NAT rule must be one of the namespace's (the host may have others of its own). */
export function interfaceRef(ix: LabModel, ns: string, name: string, path: string, role: string): Finding | undefined {
  if (name === 'lo' || ix.byKey.has(ifKey(ns, name)) || ns === HOST) return undefined;
  const local = ifacesOf(ix, ns).map((f) => f.name);
  const elsewhere = ix.byName.get(name);
  return {
    code: 'unknown-interface', path,
    message: `${role} ${JSON.stringify(name)} is not an interface of ${nsText(ns)}${didYouMean(name, local)}`,
    hint: elsewhere ? `${name} is in ${nsText(elsewhere.ns)}` : local.length ? `interfaces of ${ns}: ${local.slice(0, 10).join(', ')}${local.length > 10 ? ', ...' : ''}` : `${nsText(ns)} has no interfaces`,
  };
}

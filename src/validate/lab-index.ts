// An index of what a (schema-valid) topology declares: namespaces, interfaces per namespace, addresses.
// The semantic checks look things up here instead of walking the file again.
import { bridgesOf, HOST, type Topology } from '../model.js';
import { pointer } from '../core/finding.js';
import { parseCidr, type Cidr } from '../core/ip.js';

export interface Iface {
  ns: string;
  name: string;
  kind: 'veth end' | 'bridge';
  /** Where the name is written: the bridge's key, or the end's "name" value. */
  path: string;
  at: 'key' | 'value';
  /** The interface's mapping (where its mtu, bridge, ... keys are). */
  base: string;
  addresses: { text: string; cidr?: Cidr; path: string }[];
  /** veth ends only: the index of the veth, and the bridge the end is a port of (in its namespace). */
  veth?: number;
  bridge?: string;
  mtu?: number;
  /** false: declared down. */
  up: boolean;
}

export interface LabIndex {
  namespaces: Set<string>;
  ifaces: Iface[];
  /** "ns/name" → first interface declared with that name in that namespace. */
  byKey: Map<string, Iface>;
  /** "ns/name" → bridge. */
  bridges: Map<string, Iface>;
  /** Interfaces per namespace, and the first interface of each name in any namespace. */
  byNs: Map<string, Iface[]>;
  byName: Map<string, Iface>;
}

export const ifKey = (ns: string, name: string) => `${ns}/${name}`;

export function indexLab(t: Topology): LabIndex {
  const namespaces = new Set([HOST, ...Object.keys(t.namespaces ?? {})]);
  const ifaces: Iface[] = [];
  const addrs = (list: string[] | undefined, base: string) =>
    (list ?? []).map((text, i) => {
      const c = parseCidr(text);
      return { text, cidr: typeof c === 'string' ? undefined : c, path: `${base}/addresses/${i}` };
    });
  const bridges = new Map<string, Iface>();
  for (const { ns, name, spec, path } of bridgesOf(t)) {
    const f: Iface = { ns, name, kind: 'bridge', path, at: 'key', base: path, addresses: addrs(spec.addresses, path), mtu: spec.mtu, up: spec.up !== false };
    ifaces.push(f);
    if (!bridges.has(ifKey(ns, name))) bridges.set(ifKey(ns, name), f);
  }
  (t.veths ?? []).forEach((v, i) => v.ends.forEach((e, j) => {
    const base = pointer('veths', i, 'ends', j);
    ifaces.push({
      ns: e.namespace ?? HOST, name: e.name, kind: 'veth end', path: `${base}/name`, at: 'value', base, addresses: addrs(e.addresses, base),
      veth: i, bridge: e.bridge, mtu: e.mtu, up: e.up !== false,
    });
  }));
  const byKey = new Map<string, Iface>();
  const byNs = new Map<string, Iface[]>();
  const byName = new Map<string, Iface>();
  for (const f of ifaces) {
    if (!byKey.has(ifKey(f.ns, f.name))) byKey.set(ifKey(f.ns, f.name), f);
    if (!byName.has(f.name)) byName.set(f.name, f);
    const list = byNs.get(f.ns);
    if (list) list.push(f); else byNs.set(f.ns, [f]);
  }
  return { namespaces, ifaces, byKey, bridges, byNs, byName };
}

export const ifacesOf = (ix: LabIndex, ns: string): Iface[] => ix.byNs.get(ns) ?? [];

/** Past this many findings the checks stop looking for more (the report shows the first ones only). */
export const FINDINGS_CAP = 1000;

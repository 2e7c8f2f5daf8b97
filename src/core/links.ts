// Links between two hosts (top-level `links:`), as each host's slice (core/host-slice.ts) realises them with the
// single-host kinds. Pure.
//
// VXLAN (the default mode): two ends, each like a veth end, on two hosts, on one layer-2 segment. On each host:
//   - a bridge in the root namespace, lk-VNI-br;
//   - a VXLAN endpoint lk-VNI-vx in the root namespace, a port of that bridge: unicast, `remote` the other host's
//     underlay address, `local` this host's, the link's dstport, no learning (one remote: nothing to learn);
//   - a veth from the end as the file writes it (its namespace, name, addresses, bridge, ...) to lk-VNI-ve, the
//     bridge's other port.
//   The endpoint is in the root namespace because its UDP socket is where it is created: in a lab namespace it would
//   have no underlay. The bridge and veth make one shape for every end, in any namespace, with or without a bridge
//   of its own. Each name fits 15 characters (VNI <= 8 digits), names its link by VNI, and is unique on a host
//   because a VNI is unique in the lab.
// - The VNI is the link's `vni`, else the first 24 bits of SHA-256 of the lab's name and the two ends
//   ("NS@HOST/name", sorted): computed the same on every host, unchanged when other links come or go.
// - The MTU of the end, the veth and the endpoint: the end's own, else the link's, else the underlay's MTU less the
//   tunnel's headers (50 bytes over IPv4, 70 over IPv6) — the underlay MTU as read on the host, 1500 elsewhere.
//
// Routed: `between` two hosts; each host's root namespace gets a route to every subnet of the other host's root
// namespace (the addresses the file gives interfaces there: its bridges, veth ends, ...) in the underlay's family,
// via the other host's underlay address.
import { createHash } from 'node:crypto';
import { HOST, type EndSpec, type LinkSpec, type NamespaceSpec, type RouteSpec, type Topology } from '../model.js';
import { canonicalAddr, networkOf, parseAddr, parseCidr } from './ip.js';
import type { LabModel } from './lab-model.js';

/** The IANA VXLAN port (the kernel's own default is 8472). */
export const LINK_PORT = 4789;
/** Bytes a VXLAN tunnel adds to each frame, by the underlay's family. */
export const LINK_OVERHEAD = { 4: 50, 6: 70 } as const;
/** The underlay MTU assumed where the host's own can't be read (validation on another machine). */
export const ASSUMED_UNDERLAY_MTU = 1500;
const MAX_VNI = 0xffffff;

export const isRouted = (l: LinkSpec): boolean => l.mode === 'routed';

/** A namespace reference split at its @ (the same rule as core/host-slice.ts splitNs). */
const split = (ref: string): { name: string; host?: string } => {
  const at = ref.lastIndexOf('@');
  return at < 0 ? { name: ref } : { name: ref.slice(0, at), host: ref.slice(at + 1) };
};

/** The host of a link end: its namespace's @HOST, else `dflt` (the file's default host). */
export const endHost = (e: EndSpec, dflt: string | undefined): string | undefined => split(e.namespace ?? HOST).host ?? dflt;

/** An end as the VNI hash names it: "NS@HOST/name". */
const endId = (e: EndSpec, dflt: string | undefined): string => `${split(e.namespace ?? HOST).name}@${endHost(e, dflt) ?? ''}/${e.name}`;

/** The VNI derived from the lab's name and the two ends (1..16777215). */
export function derivedVni(lab: string, ends: [EndSpec, EndSpec], dflt: string | undefined): number {
  const ids = ends.map((e) => endId(e, dflt)).sort();
  const n = createHash('sha256').update(`${lab}\n${ids.join('\n')}`).digest().readUIntBE(0, 3) & MAX_VNI;
  return n === 0 ? 1 : n;
}

/** A VXLAN link's VNI: its `vni`, else derived. */
export const linkVni = (lab: string, l: LinkSpec, dflt: string | undefined): number => l.vni ?? derivedVni(lab, l.ends!, dflt);

/** The interfaces a VXLAN link makes in each host's root namespace. */
export const linkNames = (vni: number) => ({ bridge: `lk-${vni}-br`, vxlan: `lk-${vni}-vx`, peer: `lk-${vni}-ve` });

/** The family of an underlay address (IPv4 unless it parses as IPv6). */
export const underlayFamily = (addr: string | undefined): 4 | 6 => (addr !== undefined && parseAddr(addr)?.kind() === 'ipv6' ? 6 : 4);

/** What the host running topo knows of its underlay: its interface's MTU (undefined: not read, ASSUMED_UNDERLAY_MTU). */
export interface LocalUnderlay { dev: string; mtu: number }

/** The MTU of a VXLAN link's end on its host, and where it comes from. */
export function endMtu(l: LinkSpec, e: EndSpec, underlayAddr: string | undefined, underlay?: LocalUnderlay): { mtu: number; from: 'end' | 'link' | 'underlay' } {
  if (e.mtu !== undefined) return { mtu: e.mtu, from: 'end' };
  if (l.mtu !== undefined) return { mtu: l.mtu, from: 'link' };
  return { mtu: (underlay?.mtu ?? ASSUMED_UNDERLAY_MTU) - LINK_OVERHEAD[underlayFamily(underlayAddr)], from: 'underlay' };
}

/**
 * The subnets of a host's root namespace the file declares (every address of an interface there, as its network),
 * in one family; host routes (/32, /128) left out. `model`: the whole file resolved.
 */
export function hostSubnets(model: LabModel, host: string, dflt: string | undefined, fam: 4 | 6): string[] {
  const out = new Set<string>();
  for (const f of model.ifaces) {
    const { name, host: h } = split(f.ns);
    if (name !== HOST || (h ?? dflt) !== host) continue;
    for (const a of f.addresses) {
      if (!a.cidr || (a.cidr[0].kind() === 'ipv4' ? 4 : 6) !== fam || a.cidr[1] === (fam === 4 ? 32 : 128)) continue;
      out.add(networkOf(a.cidr));
    }
  }
  return [...out];
}

/** What a host's slice adds for the links: its objects, and for each the place of the link in the file. */
export interface LinkParts {
  bridges: NonNullable<Topology['bridges']>;
  vxlans: NonNullable<NamespaceSpec['vxlans']>;
  veths: { ends: [EndSpec, EndSpec]; link: number; end: number }[];
  routes: { route: RouteSpec; link: number }[];
  /** The link of each bridge and endpoint, by name. */
  linkOf: Record<string, number>;
}

/**
 * The objects `host`'s slice gets for the file's links. `local`: an end's namespace under its own name on the host.
 * `underlay`: this host's underlay interface, when topo runs on it. `model`: the whole file resolved (routed links'
 * subnets). The file is taken as valid (semantic-links.ts).
 */
export function linkParts(t: Topology, host: string, dflt: string | undefined, local: (ref: string) => string, model?: LabModel, underlay?: LocalUnderlay): LinkParts {
  const out: LinkParts = { bridges: {}, vxlans: {}, veths: [], routes: [], linkOf: {} };
  const machines = t.machines ?? {};
  (t.links ?? []).forEach((l, i) => {
    if (isRouted(l)) {
      const [a, b] = l.between ?? [];
      const other = host === a ? b : host === b ? a : undefined;
      const via = other !== undefined ? machines[other]?.underlay : undefined;
      if (other === undefined || via === undefined || !model) return;
      const gw = canonicalAddr(via) ?? via;
      for (const to of hostSubnets(model, other, dflt, underlayFamily(via))) out.routes.push({ route: { to, via: gw }, link: i });
      return;
    }
    if (!l.ends) return;
    const j = l.ends.findIndex((e) => endHost(e, dflt) === host);
    if (j < 0) return;
    const mine = l.ends[j], theirs = l.ends[1 - j];
    const localAddr = machines[host]?.underlay, remoteAddr = machines[endHost(theirs, dflt) ?? '']?.underlay;
    if (localAddr === undefined || remoteAddr === undefined) return;
    const vni = linkVni(t.name, l, dflt);
    const names = linkNames(vni);
    const { mtu } = endMtu(l, mine, localAddr, underlay);
    out.bridges[names.bridge] = {};
    out.linkOf[names.bridge] = out.linkOf[names.vxlan] = i;
    out.vxlans[names.vxlan] = {
      id: vni, remote: canonicalAddr(remoteAddr) ?? remoteAddr, local: canonicalAddr(localAddr) ?? localAddr,
      dstport: l.dstport ?? LINK_PORT, learning: false, bridge: names.bridge, mtu,
    };
    const end: EndSpec = { ...mine, mtu, ...(mine.namespace !== undefined ? { namespace: local(mine.namespace) } : {}) };
    out.veths.push({ ends: [end, { name: names.peer, bridge: names.bridge, mtu }], link: i, end: j });
  });
  return out;
}

/** The addresses of each link end's namespace ("NS@HOST" as the file writes it), for tests aimed at it by name. */
export function linkEndAddresses(t: Topology): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of t.links ?? []) {
    for (const e of l.ends ?? []) {
      const ns = e.namespace ?? HOST;
      const list = out.get(ns) ?? out.set(ns, []).get(ns)!;
      for (const a of e.addresses ?? []) if (typeof parseCidr(a) !== 'string') list.push(a);
    }
  }
  return out;
}

// `topo import`'s pure half: a live snapshot (what io/read-live.ts read) turned into the topology file that
// reproduces it. The lab is the namespaces asked for plus what of the host connects to them: the host ends of their
// veths, the host bridges those ends are ports of, the host's veth pairs and bridges marked as the lab's (one topo
// applied), and the host routes through those interfaces. What topo can
// express is imported; everything else that was read is listed in `skipped` (never dropped silently). Routes,
// neighbours and rules are taken from their kinds' live() (read as no lab's: every object is someone else's),
// bridge options from the bridge kind's reader.
import { nameOrder } from '../core/names.js';
import type { KindContext } from '../core/kind.js';
import { linkIsUp, type IpLink, type IpRead, type IpRoute, type LiveSnapshot, type NsLive } from '../core/live.js';
import { labIdentity } from '../core/lab.js';
import { emptyState } from '../core/state.js';
import { HOST, type EndSpec, type NamespaceSpec, type NsBridgeSpec, type RouteSpec, type Topology, type VethSpec } from '../model.js';
import { compareOptions, DEFAULTS, liveOptions } from '../kinds/bridge-options.js';
import { canonicalDst, isPromisc } from '../kinds/common.js';
import { DEFAULT_MTU } from '../kinds/link-defaults.js';
import type { MacvlanSpec } from '../kinds/macvlan.js';
import { neighbourKind, type NeighbourSpec } from '../kinds/neighbour.js';
import { key as routeKey, routeKind } from '../kinds/route.js';
import { ruleKind, type RuleSpec } from '../kinds/rule.js';
import { LOCAL_TABLE, MAIN_TABLE, printedTable } from '../kinds/tables.js';

/**
 * The routes as `ip` printed them, kept whole for import (the line is the reader's own route line: the batch runs it
 * once and both reads get its document). Import looks in it for what topo's routes can't hold.
 */
export const RAW_ROUTES: IpRead = { name: 'import:routes', line: 'route show table all' };

/** Something read that the imported file does not hold, and why. */
export interface Skipped { ns: string; what: string; why: string }

/** The sysctls import reads in every namespace, with the value a new namespace has (written only when it differs). */
export const IMPORTED_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv6.conf.all.forwarding': '0',
};

export interface ImportInput {
  snap: LiveSnapshot;
  /** The lab's name (already checked). */
  name: string;
  /** The namespaces to import (each in snap.ns). */
  namespaces: string[];
  /**
   * nftables tables per namespace ("inet topo-lab"), or why nft could not read them; in the host only the lab's own
   * (topo-<name>) are listed as skipped.
   */
  nftTables?: Record<string, string[] | { unread: string }>;
}

export interface Imported { topo: Topology; skipped: Skipped[] }

/** A veth end as read: its namespace and interface. */
interface LiveEnd { ns: string; l: IpLink }

const KERNEL_PROTOS = new Set(['kernel', 'ra', 'redirect']);
/** The schema's ifName (schemas/topology.schema.json), its 15-byte limit the kernel's own. */
const IF_NAME = /^(?!-)(?!\.\.?$)[A-Za-z0-9_.-]+$/;
const kindOf = (l: IpLink) => l.linkinfo?.info_kind;

export function importTopology(input: ImportInput): Imported {
  const { snap, namespaces } = input;
  const skipped: Skipped[] = [];
  const skip = (ns: string, what: string, why: string) => skipped.push({ ns, what, why });
  const lab = new Set(namespaces);
  const nsSpecs: Record<string, NamespaceSpec> = {};
  const hostBridges: Record<string, NsBridgeSpec> = {};
  const veths: VethSpec[] = [];
  /** The interfaces the file declares, by "ns/name" (routes and neighbours on others are skipped). */
  const declared = new Set<string>();
  const ends = new Map<string, EndSpec>();
  const paired = new Set<string>();
  /** Interfaces whose names the file can't hold (listed as skipped once). */
  const unnamed = new Set<string>();
  const macvlans: LiveEnd[] = [];

  for (const ns of namespaces) {
    const live = snap.ns[ns];
    const spec: NamespaceSpec = (nsSpecs[ns] = {});
    for (const l of live.links) {
      const kind = kindOf(l);
      if (l.ifname === 'lo') { loopback(live, l, spec, skip); continue; }
      if (!IF_NAME.test(l.ifname)) { skip(ns, `interface ${l.ifname}`, 'a topology file\'s interface names are letters, digits, \'_\', \'.\', \'-\''); unnamed.add(`${ns}/${l.ifname}`); continue; }
      if (kind === 'bridge') {
        (spec.bridges ??= {})[l.ifname] = bridgeSpec(l);
        declared.add(`${ns}/${l.ifname}`);
      } else if (kind === MACVLAN) {
        macvlans.push({ ns, l });
      } else if (kind !== 'veth') {
        skip(ns, `interface ${l.ifname}${kind ? ` (${kind})` : ''}`, 'topo import reads veths, bridges and macvlans only');
      }
    }
  }
  // Veth pairs: each end of an imported namespace with its peer (in an imported namespace or the host).
  for (const ns of namespaces) {
    for (const l of snap.ns[ns].links) {
      if (kindOf(l) !== 'veth' || paired.has(`${ns}/${l.ifname}`) || unnamed.has(`${ns}/${l.ifname}`)) continue;
      const peer = peerOf(snap, { ns, l });
      if (peer && !IF_NAME.test(peer.l.ifname)) { skip(ns, `veth ${l.ifname}`, `its peer's name ${JSON.stringify(peer.l.ifname)} is not one a topology file can hold`); continue; }
      if (!peer || (peer.ns !== HOST && !lab.has(peer.ns))) {
        skip(ns, `veth ${l.ifname}`, peer ? `its peer ${peer.l.ifname} is in namespace ${peer.ns}, which is not imported` : 'its peer is in a namespace that has no name here');
        continue;
      }
      paired.add(`${ns}/${l.ifname}`);
      paired.add(`${peer.ns}/${peer.l.ifname}`);
      const pair = [{ ns, l }, peer].map((e) => endSpec(e, snap));
      for (const [i, e] of [{ ns, l }, peer].entries()) { ends.set(`${e.ns}/${e.l.ifname}`, pair[i]); declared.add(`${e.ns}/${e.l.ifname}`); }
      veths.push({ ends: [pair[0], pair[1]] });
    }
  }
  // The host's own veth pairs and bridges that carry the lab's mark (a lab topo applied): the lab's too.
  const hostLinks = snap.ns[HOST]?.links ?? [];
  const mark = labIdentity(input.name).alias;
  for (const l of hostLinks.filter((x) => x.ifalias === mark)) {
    if (kindOf(l) === 'bridge' && !hostBridges[l.ifname]) { hostBridges[l.ifname] = bridgeSpec(l); declared.add(`${HOST}/${l.ifname}`); }
    if (kindOf(l) !== 'veth' || paired.has(`${HOST}/${l.ifname}`)) continue;
    const peer = peerOf(snap, { ns: HOST, l });
    if (peer?.ns !== HOST) continue; // a peer in a namespace not imported: not the lab's part to take
    paired.add(`${HOST}/${l.ifname}`);
    paired.add(`${HOST}/${peer.l.ifname}`);
    const pair = [{ ns: HOST, l }, peer].map((e) => endSpec(e, snap));
    for (const [i, e] of [{ ns: HOST, l }, peer].entries()) { ends.set(`${HOST}/${e.l.ifname}`, pair[i]); declared.add(`${HOST}/${e.l.ifname}`); }
    veths.push({ ends: [pair[0], pair[1]] });
  }
  // The host's bridges that the host ends are ports of; their other ports are not the lab's.
  for (const [key, end] of ends) {
    if (!key.startsWith(`${HOST}/`) || end.bridge === undefined) continue;
    const br = hostLinks.find((x) => x.ifname === end.bridge);
    if (!br || kindOf(br) !== 'bridge') {
      skip(HOST, `master ${end.bridge} of ${end.name}`, 'not a bridge: the end is imported without it');
      delete end.bridge;
      continue;
    }
    if (!hostBridges[br.ifname]) { hostBridges[br.ifname] = bridgeSpec(br); declared.add(`${HOST}/${br.ifname}`); }
  }
  for (const l of hostLinks) {
    if (l.master && hostBridges[l.master] && !declared.has(`${HOST}/${l.ifname}`)) {
      skip(HOST, `port ${l.ifname} of bridge ${l.master}`, 'not a veth to an imported namespace: the bridge is imported without it');
    }
  }
  // A namespace end's master is a bridge of its namespace (imported above); anything else is not.
  for (const [key, end] of ends) {
    const ns = key.slice(0, key.indexOf('/'));
    if (ns === HOST || end.bridge === undefined) continue;
    if (!nsSpecs[ns].bridges?.[end.bridge]) {
      skip(ns, `master ${end.bridge} of ${end.name}`, 'not a bridge: the end is imported without it');
      delete end.bridge;
    }
  }
  for (const m of macvlans) importMacvlan(snap, m, nsSpecs[m.ns], declared, lab, skip);
  for (const [name, b] of Object.entries({ ...hostBridges })) setBridgeMtu(b, HOST, name, ends);
  for (const ns of namespaces) for (const [name, b] of Object.entries(nsSpecs[ns].bridges ?? {})) if (b) setBridgeMtu(b, ns, name, ends);

  const ctx = noLab(input.name);
  const inScope = (ns: string) => lab.has(ns) || ns === HOST;
  const host: NamespaceSpec = {};
  const specOf = (ns: string) => (ns === HOST ? host : nsSpecs[ns]);
  importRoutes(snap, ctx, inScope, declared, specOf, skip);
  importNeighbours(snap, ctx, inScope, declared, specOf, skip);
  importRules(snap, ctx, lab, declared, specOf, skip);
  // The host's sysctls matter only to a lab that reaches into the host.
  const hostJoined = [...declared].some((k) => k.startsWith(`${HOST}/`));
  for (const ns of [...namespaces, ...(hostJoined ? [HOST] : [])]) {
    const values = snap.ns[ns]?.sysctls ?? {};
    for (const [k, def] of Object.entries(IMPORTED_SYSCTLS)) {
      if (values[k] !== undefined && values[k] !== def) (specOf(ns).sysctls ??= {})[k] = numeric(values[k]);
    }
  }
  // The host's tables are the host's, but for the lab's own (a lab topo applied with NAT or a firewall in the host).
  const hostTables = input.nftTables?.[HOST];
  if (Array.isArray(hostTables)) {
    for (const table of hostTables.filter((t) => t.endsWith(` topo-${input.name}`))) {
      skip(HOST, `nftables table ${table}`, 'nftables tables are not imported (topo writes nat: and firewall: into a table of its own)');
    }
  }
  for (const ns of namespaces) {
    const t = input.nftTables?.[ns];
    if (t === undefined) continue;
    if (!Array.isArray(t)) { skip(ns, 'its nft tables', `not read: ${t.unread}`); continue; }
    for (const table of t) skip(ns, `nftables table ${table}`, 'nftables tables are not imported (topo writes nat: and firewall: into a table of its own)');
  }

  const topoNs: Record<string, NamespaceSpec> = {};
  for (const ns of [...namespaces].sort()) topoNs[ns] = nsSpecs[ns];
  if (Object.keys(host).length) topoNs[HOST] = host;
  const topo: Topology = { name: input.name, namespaces: topoNs };
  if (Object.keys(hostBridges).length) topo.bridges = Object.fromEntries(Object.entries(hostBridges).sort(([a], [b]) => nameOrder(a, b)));
  if (veths.length) topo.veths = veths;
  return { topo, skipped };
}

/** A context in which nothing is owned: every live object is read as someone else's (kinds' live() lists them). */
function noLab(name: string): KindContext {
  return { lab: labIdentity(`${name}\u0000import`, 0), state: emptyState(name) };
}

const numeric = (v: string): string | number => (/^-?\d+$/.test(v) ? Number(v) : v);

function loopback(live: NsLive, l: IpLink, spec: NamespaceSpec, skip: (ns: string, what: string, why: string) => void): void {
  if (!linkIsUp(l)) spec.loopback = 'down';
  for (const a of l.addr_info ?? []) {
    const cidr = `${a.local}/${a.prefixlen}`;
    if (cidr !== '127.0.0.1/8' && cidr !== '::1/128') skip(live.name, `address ${cidr} on lo`, 'topo declares no addresses on lo');
  }
}

/** The addresses topo declares: every one but IPv6 link-local ones (the kernel's own). */
function addressesOf(l: IpLink): string[] {
  return (l.addr_info ?? []).filter((a) => !(a.family === 'inet6' && a.scope === 'link')).map((a) => `${a.local}/${a.prefixlen}`);
}

/** Settings a fresh apply would not give by itself (see README "Defaults are enforced"); MACs are not held. */
function linkSettings(l: IpLink): { addresses?: string[]; up?: boolean; promisc?: boolean } {
  const addresses = addressesOf(l);
  return { ...(addresses.length ? { addresses } : {}), ...(linkIsUp(l) ? {} : { up: false }), ...(isPromisc(l) ? { promisc: true } : {}) };
}

function bridgeSpec(l: IpLink): NsBridgeSpec {
  const spec: NsBridgeSpec & Record<string, unknown> = linkSettings(l);
  for (const [k, v] of compareOptions(DEFAULTS, liveOptions(l))) if (v !== undefined) spec[k] = v;
  if (l.mtu !== undefined) spec.mtu = l.mtu; // kept only when it differs from its ports' (setBridgeMtu)
  return spec;
}

/** A bridge's MTU is declared only when it is not the one a fresh apply gives it: its ports' smallest, else 1500. */
function setBridgeMtu(b: NsBridgeSpec, ns: string, name: string, ends: Map<string, EndSpec>): void {
  const ports = [...ends.entries()].filter(([k, e]) => k.startsWith(`${ns}/`) && e.bridge === name).map(([, e]) => e.mtu ?? DEFAULT_MTU);
  const fresh = ports.length ? Math.min(...ports) : DEFAULT_MTU;
  if (b.mtu === fresh) delete b.mtu;
}

function endSpec(e: LiveEnd, snap: LiveSnapshot): EndSpec {
  const master = e.l.master;
  const isBridge = master !== undefined && snap.ns[e.ns]?.links.some((x) => x.ifname === master);
  return {
    name: e.l.ifname, ...(e.ns === HOST ? {} : { namespace: e.ns }),
    ...(e.l.mtu !== undefined && e.l.mtu !== DEFAULT_MTU ? { mtu: e.l.mtu } : {}),
    ...linkSettings(e.l), ...(master !== undefined && isBridge ? { bridge: master } : {}),
  };
}

/**
 * The other end of a veth: in the same namespace (no link_netnsid), else in the namespace the end's nsids name (the
 * host when unnamed), found by its index and checked to point back. undefined when not found among those read.
 */
export function peerOf(snap: LiveSnapshot, e: LiveEnd): LiveEnd | undefined {
  const id = e.l.link_netnsid;
  const peerNs = id === undefined ? e.ns : snap.ns[e.ns]?.nsids?.[id] ?? HOST;
  const there = snap.ns[peerNs];
  if (!there) return undefined;
  const l = there.links.find((x) => x.ifindex === e.l.link_index && kindOf(x) === 'veth' && x.link_index === e.l.ifindex);
  if (!l) return undefined;
  const back = l.link_netnsid === undefined ? peerNs : there.nsids?.[l.link_netnsid] ?? HOST;
  return back === e.ns ? { ns: peerNs, l } : undefined;
}

type Skip = (ns: string, what: string, why: string) => void;

const MACVLAN = 'macvlan';
const MODES = new Set(['bridge', 'private', 'vepa', 'passthru']);

/**
 * A macvlan, with its parent: by link_index in its own namespace, or in the one its link_netnsid names (the host when
 * unnamed), as the macvlan kind reads it back. The parent must be an interface the file declares, or one of the
 * host's own (topo never changes a parent); its MTU is declared only when it differs from the parent's (what the
 * kernel gives a new macvlan).
 */
function importMacvlan(snap: LiveSnapshot, m: LiveEnd, spec: NamespaceSpec, declared: Set<string>, lab: Set<string>, skip: Skip): void {
  const { ns, l } = m;
  const parentNs = l.link_netnsid === undefined ? ns : snap.ns[ns].nsids?.[l.link_netnsid] ?? HOST;
  const parent = snap.ns[parentNs]?.links.find((x) => x.ifindex === l.link_index);
  const mode = String((l.linkinfo as { info_data?: { mode?: unknown } }).info_data?.mode ?? '');
  const what = `macvlan ${l.ifname}`;
  if (!parent) { skip(ns, what, 'its parent is in a namespace that is not imported'); return; }
  if (!MODES.has(mode)) { skip(ns, what, `mode ${mode || '(none)'} is not one topo makes`); return; }
  if (parentNs !== HOST && !lab.has(parentNs)) { skip(ns, what, `its parent ${parent.ifname} is in namespace ${parentNs}, which is not imported`); return; }
  if (kindOf(parent) === MACVLAN) { skip(ns, what, `its parent ${parent.ifname} is a macvlan (topo stacks macvlans on other interfaces only)`); return; }
  if (parentNs !== HOST && !declared.has(`${parentNs}/${parent.ifname}`)) {
    skip(ns, what, `its parent ${parent.ifname} is not imported`);
    return;
  }
  const settings = linkSettings(l);
  delete settings.promisc; // not a macvlan setting of the file's
  ((spec.macvlans ??= {}) as Record<string, MacvlanSpec>)[l.ifname] = {
    parent: parentNs === ns ? parent.ifname : { name: parent.ifname, namespace: parentNs },
    ...(mode !== 'bridge' ? { mode: mode as MacvlanSpec['mode'] } : {}),
    ...(l.mtu !== undefined && l.mtu !== parent.mtu ? { mtu: l.mtu } : {}),
    ...settings,
  };
  declared.add(`${ns}/${l.ifname}`);
}

interface RouteProps { dst: string; via?: string; dev?: string; metric: number; table?: number | string; proto?: string }

/** Unicast routes (the route kind's live view) but the kernel's; in the host only those through imported interfaces. */
function importRoutes(snap: LiveSnapshot, ctx: KindContext, inScope: (ns: string) => boolean, declared: Set<string>,
  specOf: (ns: string) => NamespaceSpec, skip: Skip): void {
  const unsaid = unsaidRoutes(snap, inScope, declared, skip);
  for (const r of routeKind.live(snap, ctx)) {
    if (!inScope(r.ns) || unsaid.has(r.key)) continue;
    const p = r.props as RouteProps;
    if (KERNEL_PROTOS.has(p.proto ?? '')) continue;
    const devIn = p.dev !== undefined && declared.has(`${r.ns}/${p.dev}`);
    if (r.ns === HOST && !devIn) continue; // the host's own routes: not the lab's
    if (!p.dev && !p.via) { skip(r.ns, `route ${r.label}`, 'routes without a gateway or an interface are not imported'); continue; }
    if (p.dev !== undefined && !devIn) { skip(r.ns, `route ${r.label}`, `its interface ${p.dev} is not imported`); continue; }
    if (typeof p.table === 'string') { skip(r.ns, `route ${r.label}`, `table ${p.table} has a name from rt_tables, not a number`); continue; }
    (specOf(r.ns).routes ??= []).push(routeSpec(p));
  }
}

/** Keys of `ip -json route` that a topology route holds (or that say nothing a route declares). */
const ROUTE_KEYS = new Set(['type', 'dst', 'gateway', 'dev', 'table', 'protocol', 'scope', 'metric', 'pref', 'flags']);

/**
 * Routes topo can't express, found in the document `ip -d -json route show table all` printed (RAW_ROUTES: the
 * reader's shaped routes keep only what topo's routes hold): another type (blackhole, unreachable...), several
 * next hops, a gateway of the other family (`via inet6`), a flag (`onlink`), a preferred source, metrics (`mtu`,
 * ...). Each is listed as skipped (in the host only those through imported interfaces); their keys are returned,
 * so that the route kind's view of them (which can't tell) is not imported.
 */
function unsaidRoutes(snap: LiveSnapshot, inScope: (ns: string) => boolean, declared: Set<string>, skip: Skip): Set<string> {
  const unsaid = new Set<string>();
  for (const ns of Object.keys(snap.ns).filter(inScope)) {
    const doc = snap.ns[ns].ipDocs?.[RAW_ROUTES.name];
    for (const x of Array.isArray(doc) ? doc : []) {
      if (x === null || typeof x !== 'object') continue;
      const r = x as Record<string, unknown>;
      const type = typeof r.type === 'string' ? r.type : 'unicast';
      const table = printedTable(r.table as string | number | undefined);
      if (table === LOCAL_TABLE || typeof r.dst !== 'string' || KERNEL_PROTOS.has(String(r.protocol))) continue;
      const flags = (Array.isArray(r.flags) ? r.flags : []).filter((f) => f !== 'linkdown');
      const extra = Object.keys(r).filter((k) => !ROUTE_KEYS.has(k));
      const why = type !== 'unicast' ? `${type} routes are not imported`
        : r.nexthops !== undefined ? 'multipath routes are not imported'
          : r.via !== undefined ? 'a gateway of the other family (via inet6) is not imported'
            : flags.length ? `routes with ${flags.join(', ')} are not imported`
              : extra.length ? `routes with ${extra.join(', ')} are not imported` : undefined;
      if (!why) continue;
      const dev = typeof r.dev === 'string' ? r.dev : undefined;
      if (type === 'unicast') {
        const shaped: IpRoute = { dst: r.dst, gateway: typeof r.gateway === 'string' ? r.gateway : undefined, pref: typeof r.pref === 'string' ? r.pref : undefined };
        unsaid.add(routeKey(ns, { dst: liveDst(shaped), metric: typeof r.metric === 'number' ? r.metric : 0, table: table === MAIN_TABLE ? undefined : table }));
      }
      if (ns !== HOST || (dev !== undefined && declared.has(`${ns}/${dev}`))) {
        skip(ns, `route ${type === 'unicast' ? '' : `${type} `}${r.dst}${dev ? ` dev ${dev}` : ''}`, why);
      }
    }
  }
  return unsaid;
}

/** A route's destination as the route kind keys it (IPv6 by its destination, gateway or preference). */
function liveDst(r: IpRoute): string {
  const v6 = r.pref !== undefined || r.dst.includes(':') || (r.gateway ?? '').includes(':');
  return canonicalDst(r.dst, v6 ? 6 : 4);
}

function routeSpec(p: RouteProps): RouteSpec {
  const v6 = p.dst.includes(':');
  const to = p.dst === '0.0.0.0/0' || (p.dst === '::/0' && p.via) ? 'default'
    : p.dst.endsWith(v6 ? '/128' : '/32') ? p.dst.slice(0, p.dst.lastIndexOf('/')) : p.dst;
  return {
    to, ...(p.via ? { via: p.via } : {}), ...(p.dev ? { dev: p.dev } : {}),
    ...(p.metric !== (v6 ? 1024 : 0) ? { metric: p.metric } : {}), ...(p.table !== undefined ? { table: p.table } : {}),
  };
}

/** A rule as the rule kind reads it back (see kinds/rule.ts RuleProps). */
interface LiveRule {
  family: 4 | 6; priority: number; from?: string; to?: string; iif?: string; oif?: string; fwmark?: string;
  action: string; table?: number | string; goto?: number; other?: string[];
}
const RULE_ACTIONS = new Set(['lookup', 'goto', 'blackhole', 'unreachable', 'prohibit']);

/**
 * The IPv4 policy rules of the imported namespaces (the rule kind's live view: not the kernel's own), those topo can
 * write: selectors it declares, interfaces the file declares (or lo), a numbered table. The host's rules are the
 * host's. IPv6 rules are not read (they need an `ip -6` of their own per namespace).
 */
function importRules(snap: LiveSnapshot, ctx: KindContext, lab: Set<string>, declared: Set<string>,
  specOf: (ns: string) => NamespaceSpec, skip: Skip): void {
  for (const r of ruleKind.live(snap, ctx)) {
    if (!lab.has(r.ns)) continue;
    const p = r.props as LiveRule;
    const what = `rule ${r.label}`;
    const dev = [p.iif, p.oif].find((d) => d !== undefined && d !== 'lo' && !declared.has(`${r.ns}/${d}`));
    const why = p.other?.length ? `it has selectors topo does not write: ${p.other.join(', ')}`
      : !RULE_ACTIONS.has(p.action) ? `action ${p.action} is not one topo writes`
        : dev !== undefined ? `its interface ${dev} is not imported`
          : typeof p.table === 'string' ? `table ${p.table} has a name from rt_tables, not a number` : undefined;
    if (why) { skip(r.ns, what, why); continue; }
    const rule: RuleSpec = {
      priority: p.priority, ...(p.from ? { from: p.from } : {}), ...(p.to ? { to: p.to } : {}),
      ...(p.iif ? { iif: p.iif } : {}), ...(p.oif ? { oif: p.oif } : {}), ...(p.fwmark ? { fwmark: p.fwmark } : {}),
      ...(p.action === 'lookup' ? { table: p.table } : p.action === 'goto' ? { goto: p.goto } : { action: p.action as RuleSpec['action'] }),
      ...(!p.from && !p.to && p.family === 6 ? { family: 6 as const } : {}),
    };
    (specOf(r.ns).rules ??= []).push(rule);
  }
}

/** Permanent neighbour entries (the neighbour kind's live view) on imported interfaces. */
function importNeighbours(snap: LiveSnapshot, ctx: KindContext, inScope: (ns: string) => boolean, declared: Set<string>,
  specOf: (ns: string) => NamespaceSpec, skip: Skip): void {
  for (const r of neighbourKind.live(snap, ctx)) {
    if (!inScope(r.ns)) continue;
    const { address, lladdr, dev } = r.props;
    if (!declared.has(`${r.ns}/${dev}`)) {
      if (r.ns !== HOST) skip(r.ns, `neighbour ${address} on ${dev}`, `its interface ${dev} is not imported`);
      continue;
    }
    const n: NeighbourSpec = { address, lladdr, dev };
    (specOf(r.ns).neighbours ??= []).push(n);
  }
}

// Routes, of the main table or of the table each names (`table:`, see tables.ts: the table is part of a route's
// identity, so one destination may be routed differently in two tables). The lab's routes carry its protocol number
// (ROUTE_PROTO). In a lab namespace those are the lab's, in whichever table; a route there with another protocol
// (not the kernel's own) is someone else's and never pruned, but when it sits exactly where the file declares a
// route it is the lab's route changed by hand (`ip route replace` stamps protocol boot): drift, repaired and
// re-stamped. In the host a route is the lab's only when the state record lists it (destination, metric, table)
// and it carries the lab's protocol: a record gone stale (the lab's route deleted by hand, someone's own added at
// the same place) never makes the host's route the lab's. Other routes are reported as conflicts when declared,
// never touched. The kernel's local table (the routes of the namespace's own addresses) is never looked at.
import type { Kind } from '../core/kind.js';
import type { IpRoute } from '../core/live.js';
import { HOST, type Change, type Cmd, type Resource } from '../model.js';
import { canonicalDst, familyOf, ip, linkClaim, nsClaim, ownsNamespace, recorded } from './common.js';
import { LOCAL_TABLE, MAIN_TABLE, printedTable, tableFindings, tableNumber, type TableRef } from './tables.js';

declare module '../model.js' {
  interface RouteSpec {
    /** The routing table (default main): a number, or a name (built in, or declared under `tables:`). */
    table?: TableRef;
  }
}

export const ROUTE_PROTO = '241';
/** Protocols of routes the kernel makes by itself: never the lab's. */
const KERNEL_PROTOS = new Set(['kernel', 'ra', 'redirect']);

/** `table`: absent for main; a name only when ip printed one topo can't number (see tables.ts). */
interface RouteProps { dst: string; via?: string; dev?: string; metric: number; table?: TableRef; proto?: string }

export const routeKind: Kind = {
  name: 'route',
  order: { create: { stage: 'config', after: ['address'] }, update: { stage: 'config', after: ['address'] }, delete: { stage: 'config', after: ['nftables:delete'] } },
  // The routes themselves are checked in validate/semantic-net.ts and semantic-routing.ts; here the table names.
  check: (model) => tableFindings(model),
  desired(model) {
    return Object.entries(model.topo.namespaces ?? {}).flatMap(([ns, spec]) => (spec?.routes ?? []).map((r, i) => {
      const fam = r.to !== 'default' ? familyOf(r.to) : r.via ? familyOf(r.via) : 4;
      const dst = canonicalDst(r.to, fam);
      const table = notMain(tableNumber(model.topo, ns, r.table) ?? MAIN_TABLE);
      return res(ns, { dst, via: r.via, dev: r.dev, metric: r.metric ?? (fam === 6 ? 1024 : 0), table }, `/namespaces/${ns}/routes/${i}`);
    }));
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => n.routes.filter(isUnicast).map((r) => {
      const props = fromLive(r);
      const stamped = r.protocol === ROUTE_PROTO;
      if (n.name === HOST) return { ...res(n.name, props), owned: stamped && hostRecorded(ctx.state, key(n.name, props)) };
      const ours = !KERNEL_PROTOS.has(r.protocol ?? '') && ownsNamespace(ctx, n);
      return { ...res(n.name, props), owned: ours && stamped, adoptable: ours && !stamped };
    }));
  },
  compare(d, l) {
    const dp = d.props as unknown as RouteProps, lp = l.props as unknown as RouteProps;
    const out: [string, unknown, unknown][] = (['via', 'dev'] as const).filter((k) => dp[k] !== undefined && dp[k] !== lp[k]).map((k) => [k, lp[k], dp[k]]);
    if (lp.proto !== ROUTE_PROTO) out.push(['proto', lp.proto, ROUTE_PROTO]); // made or replaced by hand: restamp it
    return out;
  },
  droppedWith(l, deletes, live) {
    // The kernel flushes the IPv4 routes through an interface when its last IPv4 address is deleted.
    const p = l.props as unknown as RouteProps;
    if (!deletes.length || !p.dev || familyOf(p.dst) !== 4) return false;
    const addrs = v4AddressesByDev(live).get(`${l.ns}/${p.dev}`) ?? [];
    const deleted = keysOf(deletes);
    return addrs.length > 0 && addrs.every((a) => deleted.has(a.key));
  },
  create: (r) => [{ ...routeCmd(r.ns, 'add', r.props as never), undo: [routeCmd(r.ns, 'del', r.props as never)] }],
  update: (d, l) => [{ ...routeCmd(d.ns, 'replace', d.props as never), undo: [routeCmd(l.ns, 'replace', l.props as never)] }],
  remove: (r) => [{ ...routeCmd(r.ns, 'del', r.props as never, (r.props as unknown as RouteProps).proto), undo: [routeCmd(r.ns, 'add', r.props as never)] }],
  // The host's routes are the lab's only when recorded (see above); a lab namespace's go with it. The main table's
  // are kept where records always had them (hostRoutes), the other tables' among the record's objects.
  record: {
    intent: (c) => (c.op === 'create' && c.ns === HOST ? hostRecord(c.key) : {}),
    keep: (r) => (r.ns === HOST ? hostRecord(r.key) : {}),
  },
  show: {},
  draw: (model, ns) => (model.topo.namespaces?.[ns]?.routes ?? [])
    .map((r) => ({ text: `route ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.table !== undefined ? ` table ${r.table}` : ''}` })),
};

const notMain = (t: TableRef): TableRef | undefined => (t === MAIN_TABLE ? undefined : t);
const isMainKey = (k: string) => k.split('/').length === 4; // route:ns/addr/len/metric

function hostRecord(k: string) {
  return isMainKey(k) ? { hostRoutes: [k] } : { objects: [k] };
}

function hostRecorded(s: Parameters<typeof recorded>[0], k: string): boolean {
  return isMainKey(k) ? recorded(s).hostRoutes.has(k) : recorded(s).objects.has(k);
}

// Indexes built once per live list / per list of deletions (droppedWith is asked about every live route).
const v4Index = new WeakMap<Resource[], Map<string, Resource[]>>();
const deleteKeys = new WeakMap<Change[], Set<string>>();

function v4AddressesByDev(live: Resource[]): Map<string, Resource[]> {
  let m = v4Index.get(live);
  if (!m) {
    v4Index.set(live, m = new Map());
    for (const r of live) {
      if (r.kind !== 'address' || familyOf((r.props as { cidr: string }).cidr) !== 4) continue;
      const k = `${r.ns}/${(r.props as { dev: string }).dev}`;
      m.set(k, [...(m.get(k) ?? []), r]);
    }
  }
  return m;
}

function keysOf(changes: Change[]): Set<string> {
  let k = deleteKeys.get(changes);
  if (!k) deleteKeys.set(changes, k = new Set(changes.map((c) => c.key)));
  return k;
}

function routeCmd(ns: string, verb: 'add' | 'del' | 'replace', p: RouteProps, proto = ROUTE_PROTO): Cmd {
  // No `-6`: it is a global option that `ip -batch` lines can't carry; the IPv6 destination sets the family.
  return ip(ns, 'route', verb, p.dst, ...(p.via ? ['via', p.via] : []), ...(p.dev ? ['dev', p.dev] : []),
    ...(p.metric ? ['metric', String(p.metric)] : []), ...(p.table !== undefined ? ['table', String(p.table)] : []), 'proto', proto);
}

/** Unicast routes of every table but the kernel's local one (which holds the addresses' own routes). */
function isUnicast(r: IpRoute): boolean {
  return printedTable(r.table) !== LOCAL_TABLE && (r.type ?? 'unicast') === 'unicast' && typeof r.dst === 'string';
}

/** IPv6 routes are the ones with a `pref` or an IPv6 destination/gateway (`ip -json` prints no family). */
function fromLive(r: IpRoute): RouteProps {
  const v6 = r.pref !== undefined || r.dst.includes(':') || (r.gateway ?? '').includes(':');
  return { dst: canonicalDst(r.dst, v6 ? 6 : 4), via: r.gateway, dev: r.dev, metric: r.metric ?? 0, table: notMain(printedTable(r.table)), proto: r.protocol };
}

/** route:ns/DST/METRIC for the main table (as records always had it), route:ns/DST/METRIC/TABLE for another. */
export const key = (ns: string, p: { dst: string; metric: number; table?: TableRef }) =>
  `route:${ns}/${p.dst}/${p.metric}${p.table !== undefined ? `/${p.table}` : ''}`;

function res(ns: string, p: RouteProps, path?: string): Resource {
  const shown = p.dst === '0.0.0.0/0' || p.dst === '::/0' ? 'default' : p.dst;
  return {
    kind: 'route', key: key(ns, p), ns,
    label: `${shown}${p.via ? ` via ${p.via}` : ''}${p.dev ? ` dev ${p.dev}` : ''}${p.metric ? ` metric ${p.metric}` : ''}${p.table !== undefined ? ` table ${p.table}` : ''}`,
    props: p as never, claims: [`${key(ns, p)}`], parents: [nsClaim(ns), ...(p.dev ? [linkClaim(ns, p.dev)] : [])], path,
  };
}

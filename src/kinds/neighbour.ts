// Static neighbours (`namespaces.<ns>.neighbours`): permanent ARP (IPv4) and NDP (IPv6) entries, one per interface
// and address, marked with the lab's protocol number like its routes (`neigh replace ... nud permanent protocol 241`,
// the protocol on every line: an entry made without one is unmarked). Read with `neigh show nud permanent`, which
// leaves out the entries the kernel learns (a static one simply replaces them), only in namespaces where the file
// declares entries or the record lists some (every entry the lab makes is listed; for a record that doesn't list
// them, StateRecord.unlisted, in every namespace). In a lab namespace an entry with the lab's protocol is the lab's;
// a permanent entry without it (or with another) at a declared place is the lab's remade by hand (deleted and added
// again): drift, repaired and re-stamped; elsewhere it is left alone, never pruned.
// (On this kernel a `replace` without protocol keeps the mark an entry has; one with another protocol changes it.)
// In the host an entry is the lab's only with the lab's protocol on an interface the lab owns; any other entry at a
// declared place is a conflict. `neigh del` ignores the protocol, so only entries read back as the lab's are deleted.
// The kernel flushes permanent entries when their interface goes down or gets another MAC, and the IPv4 ones when
// it loses its last IPv4 address (kinds-facts 5, measured again): a plan that does either adds them again after it.
import type { Kind } from '../core/kind.js';
import { pointer, type Finding } from '../core/finding.js';
import { canon, parseAddr } from '../core/ip.js';
import { ifacesOf, ifKey, type LabModel, nsText } from '../core/lab-model.js';
import type { NsLive } from '../core/live.js';
import { didYouMean } from '../core/suggest.js';
import { HOST, type Change, type Cmd, type Resource } from '../model.js';
import { familyOf, ip, linkBounced, linkClaim, nsClaim, ownsLink, ownsNamespace } from './common.js';
import { ROUTE_PROTO } from './route.js';

export interface NeighbourSpec { address: string; lladdr: string; dev: string }
declare module '../model.js' {
  interface NamespaceSpec { neighbours?: NeighbourSpec[] }
}

interface NeighbourProps { address: string; lladdr: string; dev: string; proto?: string }

/** The kind's read: the permanent entries of every namespace read (in the batch that reads it). */
const READ = { name: 'neighbour', line: 'neigh show nud permanent' };

export const neighbourKind: Kind<NeighbourProps> = {
  name: 'neighbour',
  // After what may flush them (an address deleted, an interface taken down or given another MAC) and what gives them
  // their interface; deleted before any of that, so an entry the kernel flushed is not deleted again (ENOENT).
  order: {
    create: { stage: 'config', after: ['address', 'address:delete', '@interface-settings'] },
    update: { stage: 'config', after: ['address', 'address:delete', '@interface-settings'] },
    delete: { stage: 'config' },
  },
  check: (model) => neighbourFindings(model),
  desired(model) {
    return Object.entries(model.topo.namespaces ?? {}).flatMap(([ns, spec]) => (spec?.neighbours ?? []).map((n, i) =>
      res(ns, { address: canonAddr(n.address), lladdr: n.lladdr.toLowerCase(), dev: n.dev }, pointer('namespaces', ns, 'neighbours', i))));
  },
  ipReads: [READ],
  ipReadsOnly: (topo, ctx) => (ctx.state.unlisted ? undefined : [...new Set([
    ...Object.entries(topo?.namespaces ?? {}).filter(([, s]) => s?.neighbours?.length).map(([ns]) => ns),
    ...ctx.state.objects.map((k) => /^neighbour:([^/]+)\//.exec(k)?.[1]).filter((ns): ns is string => ns !== undefined),
  ])]),
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => entries(n).map((e) => {
      const props: NeighbourProps = { address: canonAddr(e.dst), lladdr: e.lladdr.toLowerCase(), dev: e.dev, proto: e.protocol };
      const stamped = e.protocol === ROUTE_PROTO;
      if (n.name === HOST) {
        const link = n.links.find((l) => l.ifname === e.dev);
        return { ...res(n.name, props), owned: stamped && link !== undefined && ownsLink(ctx, HOST, link) };
      }
      const ours = ownsNamespace(ctx, n);
      return { ...res(n.name, props), owned: ours && stamped, adoptable: ours && !stamped };
    }));
  },
  compare(d, l) {
    const out: [string, unknown, unknown][] = d.props.lladdr !== l.props.lladdr ? [['lladdr', l.props.lladdr, d.props.lladdr]] : [];
    if (l.props.proto !== ROUTE_PROTO) out.push(['proto', l.props.proto, ROUTE_PROTO]); // replaced by hand: restamp it
    return out;
  },
  droppedWith: (l, deletes, live, updates) => flushedBy(l, deletes, live, updates),
  // `replace`, not `add`: an entry the kernel learned at that address (REACHABLE, STALE...) gives way.
  create: (r) => [{ ...neigh(r.ns, 'replace', r.props), undo: [neigh(r.ns, 'del', r.props)] }],
  update: (d, l) => [{ ...neigh(d.ns, 'replace', d.props), undo: [neigh(l.ns, 'replace', l.props, l.props.proto ?? null)] }],
  remove: (r) => [{ ...neigh(r.ns, 'del', r.props), undo: [neigh(r.ns, 'replace', r.props)] }],
  // Listed, so that they are read where the lab has some (above).
  record: { intent: (c) => (c.op === 'create' ? { objects: [c.key] } : {}), keep: (r) => ({ objects: [r.key] }) },
  holder: (r) => `neighbour ${r.props.address} lladdr ${r.props.lladdr}${r.props.proto ? ` protocol ${r.props.proto}` : ''} on ${r.props.dev} in ${r.ns}`,
  show: { detail: (r) => ` lladdr ${r.props.lladdr}` },
  draw: (model, ns) => (model.topo.namespaces?.[ns]?.neighbours ?? []).map((n) => ({ text: `neighbour ${canonAddr(n.address)} lladdr ${n.lladdr.toLowerCase()} dev ${n.dev}` })),
};

interface NeighEntry { dst: string; dev: string; lladdr: string; state?: string[]; protocol?: string }

/** The namespace's permanent entries with a link-layer address, as read (none where it was not read in full). */
function entries(n: NsLive): NeighEntry[] {
  const doc = n.ipDocs?.[READ.name];
  if (!Array.isArray(doc)) return [];
  return (doc as Partial<NeighEntry>[]).filter((e): e is NeighEntry =>
    typeof e.dst === 'string' && typeof e.dev === 'string' && typeof e.lladdr === 'string' && (e.state ?? []).includes('PERMANENT'));
}

const canonAddr = (s: string): string => { const a = parseAddr(s); return a ? canon(a) : s; };

/**
 * `ip neigh` lines (no `-6` needed: the address says the family, also in a batch). `del` matches no protocol.
 * `proto` null: none (an undo putting back an entry that had none).
 */
function neigh(ns: string, verb: 'replace' | 'del', p: NeighbourProps, proto: string | null = ROUTE_PROTO): Cmd {
  return verb === 'del' ? ip(ns, 'neigh', 'del', p.address, 'dev', p.dev)
    : ip(ns, 'neigh', 'replace', p.address, 'lladdr', p.lladdr, 'dev', p.dev, 'nud', 'permanent', ...(proto ? ['protocol', proto] : []));
}

/**
 * Does the plan make the kernel flush this entry? Its interface taken down or given another MAC (an update of the
 * object that claims the interface or has it as parent: the veth end's, the bridge's settings), or, for an IPv4
 * entry, every IPv4 address of the interface deleted. (Its interface deleted or re-created: through `parents`.)
 */
function flushedBy(l: Resource<NeighbourProps>, deletes: Change[], live: Resource[], updates: Change[]): boolean {
  if (linkBounced(l.ns, l.props.dev, updates, ['mac'])) return true;
  if (familyOf(l.props.address) !== 4 || !deletes.length) return false;
  const v4 = live.filter((r) => r.kind === 'address' && r.ns === l.ns && (r.props as { dev?: string }).dev === l.props.dev
    && familyOf(String((r.props as { cidr?: string }).cidr)) === 4);
  const deleted = new Set(deletes.map((c) => c.key));
  return v4.length > 0 && v4.every((a) => deleted.has(a.key));
}

/** Each entry: an address a neighbour can have, on an interface the lab declares in that namespace, once. */
function neighbourFindings(model: LabModel): Finding[] {
  const out: Finding[] = [];
  for (const [ns, spec] of Object.entries(model.topo.namespaces ?? {})) {
    const seen = new Map<string, string>();
    (spec?.neighbours ?? []).forEach((n, i) => {
      const base = pointer('namespaces', ns, 'neighbours', i);
      const a = parseAddr(n.address);
      if (!a) {
        out.push({ code: 'bad-address', path: `${base}/address`, message: `neighbour address ${JSON.stringify(n.address)} is not a valid IPv4 or IPv6 address` });
      } else if (a.range() === 'unspecified') {
        out.push({ code: 'bad-address', path: `${base}/address`, message: `neighbour address ${n.address} is the unspecified address ("any"), not a neighbour's` });
      }
      const f = model.byKey.get(ifKey(ns, n.dev));
      if (!f) out.push(unknownDev(model, ns, n.dev, `${base}/dev`));
      else if (f.master !== undefined) {
        out.push({
          code: 'neighbour-on-port', path: `${base}/dev`, severity: 'warning',
          message: `${n.dev} is a port of bridge ${f.master}: IP traffic goes out through the bridge, so the kernel looks its neighbours up on ${f.master}, not on ${n.dev}`,
          hint: `put the entry on ${f.master}`,
        });
      }
      if (!a) return;
      const k = `${n.dev}/${canon(a)}`;
      const first = seen.get(k);
      if (first) {
        out.push({
          code: 'duplicate-neighbour', path: `${base}/address`, related: first,
          message: `neighbour ${canon(a)} on ${n.dev} is declared twice in ${nsText(ns)} (first at {related}): the kernel keeps one entry per interface and address`,
          hint: 'keep one of them',
        });
      } else seen.set(k, `${base}/address`);
    });
  }
  return out;
}

function unknownDev(model: LabModel, ns: string, dev: string, path: string): Finding {
  const local = ifacesOf(model, ns).map((f) => f.name);
  const elsewhere = model.byName.get(dev);
  const hint = dev === 'lo' ? 'the loopback interface has no neighbours'
    : elsewhere ? `${dev} is in ${nsText(elsewhere.ns)}`
      : local.length ? `interfaces of ${ns}: ${local.slice(0, 10).join(', ')}${local.length > 10 ? ', ...' : ''}` : `${nsText(ns)} has no interfaces of the lab`;
  return {
    code: 'unknown-interface', path,
    message: `neighbour dev ${JSON.stringify(dev)} is not an interface the lab declares in ${nsText(ns)}${didYouMean(dev, local)}`, hint,
  };
}

const key = (ns: string, p: { dev: string; address: string }) => `neighbour:${ns}/${p.dev}/${p.address}`;

function res(ns: string, p: NeighbourProps, path?: string): Resource<NeighbourProps> {
  return { kind: 'neighbour', key: key(ns, p), ns, label: `${p.address} on ${p.dev}`, props: p,
    claims: [key(ns, p)], parents: [nsClaim(ns), linkClaim(ns, p.dev)], path };
}

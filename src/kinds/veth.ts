// veth pairs: existence of the pair. One `link add` creates both ends with everything the kernel accepts at
// creation: the peer already in its namespace, MTU, MAC, group, and the creating end up and enslaved (up later, by
// veth-end.ts, when it declares an `addrgenmode`, which the kernel takes only once the interface exists).
// What can't be set at creation (the peer's state, master and alias) is the veth-end kind's job.
import type { Kind, KindContext } from '../core/kind.js';
import type { IpLink, LiveSnapshot } from '../core/live.js';
import { didYouMean } from '../core/suggest.js';
import { pointer, type Finding } from '../core/finding.js';
import { addressesAt, ifacesOf, ifKey, type LabModel } from '../core/lab-model.js';
import { HOST, HOST_NETNS, type Resource, type Topology } from '../model.js';
import { nameOrder } from '../core/names.js';
import { endId, ip, linkClaim, linkOpts, linkRecord, normEnd, nsClaim, ownsLink, type NormEnd } from './common.js';

/** The end whose namespace runs `link add`: the one with a bridge (enslaved at creation), else the host one. */
export function creatorIndex(ends: NormEnd[]): 0 | 1 {
  if (ends[0].master && !ends[1].master) return 0;
  if (ends[1].master && !ends[0].master) return 1;
  if (ends[1].ns === HOST && ends[0].ns !== HOST) return 1;
  return 0;
}

export function desiredPairs(topo: Topology): { ends: NormEnd[]; path: string }[] {
  return (topo.veths ?? []).map((v, i) => ({ ends: v.ends.map(normEnd), path: `/veths/${i}` }));
}

export const vethKind: Kind = {
  name: 'veth',
  order: { create: { stage: 'links', after: ['bridge'] }, update: { stage: 'links', after: ['bridge:create'] }, delete: { stage: 'unlink' } },
  interfaces: (topo) => (topo.veths ?? []).flatMap((v, i) => v.ends.map((e, j) => {
    const base = pointer('veths', i, 'ends', j);
    return {
      ns: e.namespace ?? HOST, name: e.name, kind: 'veth', role: 'veth end', path: `${base}/name`, at: 'value' as const, base,
      addresses: addressesAt(e.addresses, base), mtu: e.mtu, up: e.up !== false, master: e.bridge, wire: { id: `/veths/${i}`, label: 'veth' },
    };
  })),
  check: (model) => bridgePorts(model),
  nsidsNeeded: (snap, ctx) => namespacesToResolve(snap, ctx),
  desired(model) {
    return desiredPairs(model.topo).map(({ ends, path }) => res(ends, path));
  },
  live(snap, ctx) {
    const pairing = pairEnds(snap, ctx);
    return pairing.map(([a, b]) => {
      const ends = [{ ns: a.ns, name: a.l.ifname }, ...(b?.owned ? [{ ns: b.ns, name: b.l.ifname }] : [])] as NormEnd[];
      // The peer is in a namespace that was not read because destroy deletes it whole: the pair goes with it.
      const gone = !b && peerIn(snap, a);
      if (gone && snap.ns[gone]?.shallow) ends.push({ ns: gone, name: '?' } as NormEnd);
      else if (!b?.owned) ends.push({ ns: '?', name: '?' } as NormEnd); // peer outside what the lab owns: a broken pair
      return { ...res(ends), owned: true };
    });
  },
  compare: () => [],
  create(r, ctx) {
    const ends = (r.props as { ends: NormEnd[] }).ends;
    // A pair whose peer was outside the lab (read back broken, as a rollback may want it again) can't be made.
    if (ends.some((e) => e.ns === '?')) return [];
    const ci = creatorIndex(ends);
    const c = ends[ci], o = ends[1 - ci];
    const group = String(ctx.lab.group);
    const peerNetns = o.ns === c.ns ? [] : ['netns', o.ns === HOST ? HOST_NETNS : o.ns];
    return [
      { ...ip(c.ns, 'link', 'add', 'name', c.name, ...linkOpts(c), 'group', group, ...(c.up && c.addrgenmode === undefined ? ['up'] : []),
        ...(c.master ? ['master', c.master] : []),
        'type', 'veth', 'peer', 'name', o.name, ...linkOpts(o), 'group', group, ...peerNetns),
        undo: [ip(c.ns, 'link', 'del', 'dev', c.name)] },
      ip(c.ns, 'link', 'set', 'dev', c.name, 'alias', ctx.lab.alias),
    ];
  },
  update: () => [],
  remove(r) {
    const e = (r.props as { ends: NormEnd[] }).ends.find((x) => x.ns !== '?' && x.name !== '?')!;
    return [ip(e.ns, 'link', 'del', 'dev', e.name)];
  },
  record: linkRecord,
  show: {},
};

/** An end's `bridge`: an interface that takes ports (a bridge) in the end's own namespace. */
function bridgePorts(model: LabModel): Finding[] {
  const out: Finding[] = [];
  (model.topo.veths ?? []).forEach((v, i) => v.ends.forEach((e, j) => {
    if (e.bridge === undefined) return;
    const ns = e.namespace ?? HOST;
    if (model.masters.has(ifKey(ns, e.bridge))) return;
    const path = pointer('veths', i, 'ends', j, 'bridge');
    const elsewhere = [...model.masters.values()].find((b) => b.name === e.bridge);
    if (elsewhere) {
      out.push({
        code: 'bridge-namespace', path, related: elsewhere.path,
        message: `bridge ${JSON.stringify(e.bridge)} is in namespace ${JSON.stringify(elsewhere.ns)}, but this end (${e.name}) is in namespace ${JSON.stringify(ns)}`,
        hint: `a bridge port must be in the bridge's namespace: move the end to ${elsewhere.ns}, or declare a bridge ${e.bridge} in ${ns} (namespaces: { ${ns}: { bridges: { ${e.bridge}: {} } } })`,
      });
      return;
    }
    const local = ifacesOf(model, ns).filter((f) => f.ports).map((f) => f.name);
    out.push({
      code: 'unknown-bridge', path, message: `bridge ${JSON.stringify(e.bridge)} is not declared${didYouMean(e.bridge, local.length ? local : [...model.masters.values()].map((b) => b.name))}`,
      hint: `declare it under its namespace: namespaces: { ${ns}: { bridges: { ${e.bridge}: {} } } }`,
    });
  }));
  return out;
}

interface End { ns: string; l: IpLink; owned: boolean }

/**
 * Every veth end in the snapshot (owned or not), indexed by "ifindex/peer ifindex", so an end finds the ends that
 * could be its peer in one lookup. Interface indexes are per namespace, so a pair of numbers can show up in many
 * namespaces; `link_netnsid` (resolved through the namespace's nsids, when they were read) tells them apart.
 */
function vethIndex(snap: LiveSnapshot, ctx: KindContext) {
  const ends: End[] = [];
  const byIdx = new Map<string, End[]>();
  for (const n of Object.values(snap.ns)) {
    for (const l of n.links) {
      if (l.linkinfo?.info_kind !== 'veth') continue;
      const e = { ns: n.name, l, owned: ownsLink(ctx, n.name, l) };
      ends.push(e);
      const k = `${l.ifindex}/${l.link_index}`;
      const list = byIdx.get(k);
      if (list) list.push(e); else byIdx.set(k, [e]);
    }
  }
  const peerNs = (x: End) => peerIn(snap, x);
  const fits = (a: End, b: End) => {
    if (a === b || (a.l.link_netnsid === undefined) !== (b.l.link_netnsid === undefined)) return false;
    if (a.l.link_netnsid === undefined ? a.ns !== b.ns : a.ns === b.ns) return false;
    const pa = peerNs(a), pb = peerNs(b);
    return (pa === undefined || pa === b.ns) && (pb === undefined || pb === a.ns);
  };
  const candidates = (a: End) => (byIdx.get(`${a.l.link_index}/${a.l.ifindex}`) ?? []).filter((b) => fits(a, b));
  return { ends, candidates };
}

/** The namespace of an end's peer as its own namespace's nsids name it (undefined when they were not read). */
function peerIn(snap: LiveSnapshot, x: End): string | undefined {
  if (x.l.link_netnsid === undefined) return x.ns;
  const ids = snap.ns[x.ns].nsids;
  return ids ? ids[x.l.link_netnsid] ?? HOST : undefined;
}

/** Owned ends with their peer (undefined: not found among the namespaces read). */
function pairEnds(snap: LiveSnapshot, ctx: KindContext): [End, End | undefined][] {
  const { ends, candidates } = vethIndex(snap, ctx);
  const paired = new Set<End>();
  const out: [End, End | undefined][] = [];
  for (const a of ends) {
    if (!a.owned || paired.has(a)) continue;
    // Exactly one candidate once nsids are known; if they weren't read (see namespacesToResolve), the first.
    const b = candidates(a).find((x) => !paired.has(x));
    paired.add(a);
    if (b) paired.add(b);
    out.push([a, b]);
  }
  return out;
}

/**
 * Namespaces whose nsids must be read (`ip netns list`, which costs a lookup per namespace on the machine)
 * before the lab's veth ends can be paired for sure: those holding an end with more than one possible peer, and
 * those possible peers'. Usually none: an end paired with a host end is checked through the host's nsids.
 */
export function namespacesToResolve(snap: LiveSnapshot, ctx: KindContext): string[] {
  const { ends, candidates } = vethIndex(snap, ctx);
  const need = new Set<string>();
  for (const a of ends) {
    if (!a.owned) continue;
    const c = candidates(a);
    if (c.length === 1 && candidates(c[0]).length === 1) continue;
    if (c.length === 0) continue;
    for (const x of [a, ...c]) if (!snap.ns[x.ns].nsids) need.add(x.ns);
  }
  return [...need];
}

function res(ends: NormEnd[], path?: string): Resource {
  const sorted = [...ends].sort((x, y) => nameOrder(endId(x), endId(y)));
  const real = sorted.filter((e) => e.ns !== '?');
  return {
    kind: 'veth', key: `veth:${sorted.map(endId).join('|')}`, ns: real[0].ns,
    label: sorted.map((e) => (e.ns === '?' ? '?' : `${e.name}@${e.ns}`)).join(' <-> '),
    props: { ends: path ? ends : sorted }, claims: real.map((e) => linkClaim(e.ns, e.name)),
    parents: real.map((e) => nsClaim(e.ns)), path,
  };
}

export type { KindContext };

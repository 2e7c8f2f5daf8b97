// veth pairs: existence of the pair. One `link add` creates both ends with everything the kernel accepts at
// creation: the peer already in its namespace, MTU, MAC, group, and the creating end up and enslaved.
// What can't be set at creation (the peer's state, master and alias) is the veth-end kind's job.
import type { Kind, KindContext } from '../core/kind.js';
import type { IpLink } from '../core/live.js';
import { HOST, type Resource, type Topology } from '../model.js';
import { endId, ip, linkClaim, linkOpts, normEnd, nsClaim, ownedLinks, type NormEnd } from './common.js';

/** Stands for the namespace topo runs in, in `netns` arguments; replaced by topo's PID when run, `$$` in scripts. */
export const HOST_NETNS = '@host-pid';

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
  phase: { create: 230, update: 230, delete: 210 },
  desired(topo) {
    return desiredPairs(topo).map(({ ends, path }) => res(ends, path));
  },
  live(snap, ctx) {
    const all = Object.values(snap.ns).flatMap((n) => ownedLinks(ctx, n, 'veth').map((l) => ({ ns: n.name, l })));
    const peerNs = (x: End) => (x.l.link_netnsid === undefined ? x.ns : snap.ns[x.ns].nsids[x.l.link_netnsid] ?? HOST);
    const isPair = (a: End, b: End) => a !== b && a.l.link_index === b.l.ifindex && b.l.link_index === a.l.ifindex
      && peerNs(a) === b.ns && peerNs(b) === a.ns;
    const seen = new Set<End>();
    const out: Resource[] = [];
    for (const a of all) {
      if (seen.has(a)) continue;
      const b = all.find((x) => !seen.has(x) && isPair(a, x));
      const pair = [a, ...(b ? [b] : [])];
      pair.forEach((x) => seen.add(x));
      const ends = pair.map((x) => ({ ns: x.ns, name: x.l.ifname }) as NormEnd);
      if (!b) ends.push({ ns: '?', name: '?' } as NormEnd); // peer outside what the lab owns: a broken pair
      out.push({ ...res(ends), owned: true });
    }
    return out;
  },
  compare: () => [],
  create(r, ctx) {
    const ends = (r.props as { ends: NormEnd[] }).ends;
    const ci = creatorIndex(ends);
    const c = ends[ci], o = ends[1 - ci];
    const group = String(ctx.lab.group);
    const peerNetns = o.ns === c.ns ? [] : ['netns', o.ns === HOST ? HOST_NETNS : o.ns];
    return [
      { ...ip(c.ns, 'link', 'add', 'name', c.name, ...linkOpts(c), 'group', group, ...(c.up ? ['up'] : []),
        ...(c.master ? ['master', c.master] : []),
        'type', 'veth', 'peer', 'name', o.name, ...linkOpts(o), 'group', group, ...peerNetns),
        undo: [ip(c.ns, 'link', 'del', 'dev', c.name)] },
      ip(c.ns, 'link', 'set', 'dev', c.name, 'alias', ctx.lab.alias),
    ];
  },
  update: () => [],
  remove(r) {
    const e = (r.props as { ends: NormEnd[] }).ends.find((x) => x.ns !== '?')!;
    return [ip(e.ns, 'link', 'del', 'dev', e.name)];
  },
};

interface End { ns: string; l: IpLink }

function res(ends: NormEnd[], path?: string): Resource {
  const sorted = [...ends].sort((x, y) => endId(x).localeCompare(endId(y)));
  const real = sorted.filter((e) => e.ns !== '?');
  return {
    kind: 'veth', key: `veth:${sorted.map(endId).join('|')}`, ns: real[0].ns,
    label: sorted.map((e) => (e.ns === '?' ? '?' : `${e.name}@${e.ns}`)).join(' <-> '),
    props: { ends: path ? ends : sorted }, claims: real.map((e) => linkClaim(e.ns, e.name)),
    parents: real.map((e) => nsClaim(e.ns)), path,
  };
}

export type { KindContext };

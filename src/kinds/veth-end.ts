// The settings of each veth end: up/down, bridge port, MTU, MAC, promiscuous mode and the lab's alias. The end that
// runs `link add` gets all of these but promisc at creation (see veth.ts); the other end is set up in its own
// namespace's batch. Undeclared, up is true, promisc off and the MTU the kernel's default (link-defaults.ts), held
// like declared values; an undeclared MAC is whatever the kernel chose. A declared `addrgenmode` (addrgenmode.ts) is
// given on the same `link set` that brings the end up, so that it applies before the end's first link-local address:
// the creating end then comes up here instead of at its `link add`.
import type { Kind } from '../core/kind.js';
import { linkIsUp } from '../core/live.js';
import type { Resource } from '../model.js';
import { addrGenModeArgs, compareAddrGenMode, liveAddrGenMode, addrGenModeReads } from './addrgenmode.js';
import { ip, isPromisc, linkClaim, linkOpts, nsClaim, ownedLinks, promiscArgs } from './common.js';
import { DEFAULT_MTU } from './link-defaults.js';
import { creatorIndex, desiredPairs } from './veth.js';

interface EndProps { up: boolean; master: string | null; mtu?: number; mac?: string; promisc: boolean; alias: string; creator?: boolean; addrgenmode?: string }

export const vethEndKind: Kind = {
  name: 'veth-end',
  order: { create: { stage: 'config', after: ['bridge:update'], groups: ['interface-settings'] }, update: { stage: 'config', after: ['bridge:update'], groups: ['interface-settings'] }, delete: { stage: 'config', after: ['bridge:update'] } },
  desired(model, ctx) {
    return desiredPairs(model.topo).flatMap(({ ends, path }) => {
      const ci = creatorIndex(ends);
      return ends.map((e, i) => res(e.ns, e.name,
        { up: e.up, master: e.master, mtu: e.mtu ?? DEFAULT_MTU, mac: e.mac, promisc: e.promisc, alias: ctx.lab.alias, creator: i === ci, addrgenmode: e.addrgenmode },
        `${path}/ends/${i}`));
    });
  },
  ipReadsFor: addrGenModeReads,
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => ownedLinks(ctx, n, 'veth').map((l) => ({
      ...res(n.name, l.ifname, { up: linkIsUp(l), master: l.master ?? null, mtu: l.mtu, mac: l.address, promisc: isPromisc(l), alias: l.ifalias ?? '', addrgenmode: liveAddrGenMode(n, l.ifname) }),
      owned: true,
    })));
  },
  compare(d, l) {
    const dp = d.props as unknown as EndProps, lp = l.props as unknown as EndProps;
    const out: [string, unknown, unknown][] = [];
    for (const k of ['up', 'master', 'mtu', 'mac', 'promisc', 'alias'] as const) {
      if (dp[k] !== undefined && dp[k] !== lp[k]) out.push([k, lp[k], dp[k]]);
    }
    return [...out, ...compareAddrGenMode(dp.addrgenmode, lp.addrgenmode)];
  },
  create(r) {
    const p = r.props as unknown as EndProps;
    if (p.creator) { // the rest: by the `link add` of the pair (up too, unless it waits for its addrgenmode)
      const late = [...addrGenModeArgs(p.addrgenmode), ...(p.addrgenmode !== undefined && p.up ? ['up'] : []), ...(p.promisc ? promiscArgs(true) : [])];
      return late.length ? [ip(r.ns, 'link', 'set', 'dev', r.label, ...late)] : [];
    }
    return [ip(r.ns, 'link', 'set', 'dev', r.label, 'alias', p.alias, ...addrGenModeArgs(p.addrgenmode), ...(p.up ? ['up'] : []), ...(p.master ? ['master', p.master] : []),
      ...(p.promisc ? promiscArgs(true) : []))];
  },
  update(d, l, fields) {
    const p = d.props as unknown as EndProps, old = l.props as unknown as EndProps;
    const f = new Set(fields.map(([k]) => k));
    const args = (q: EndProps) => [
      ...linkOpts({ mtu: f.has('mtu') ? q.mtu : undefined, mac: f.has('mac') ? q.mac : undefined }),
      ...(f.has('promisc') ? promiscArgs(q.promisc) : []),
      ...(f.has('addrgenmode') ? addrGenModeArgs(q.addrgenmode) : []),
      ...(f.has('up') ? [q.up ? 'up' : 'down'] : []),
      ...(f.has('master') ? (q.master ? ['master', q.master] : ['nomaster']) : []),
      ...(f.has('alias') ? ['alias', q.alias || '""'] : []),
    ];
    return [{ ...ip(d.ns, 'link', 'set', 'dev', d.label, ...args(p)), undo: [ip(d.ns, 'link', 'set', 'dev', d.label, ...args(old))] }];
  },
  remove: () => [],
  setting: true,
};

function res(ns: string, name: string, props: EndProps, path?: string): Resource {
  return { kind: 'veth-end', key: `veth-end:${ns}/${name}`, ns, label: name, props: props as never, claims: [],
    parents: [linkClaim(ns, name), nsClaim(ns)], path };
}

// Linux bridges. Created with their group (the lab's mark from the first instant) and MAC in one `link add`,
// then marked with the lab's alias and given their MTU in the same batch: an MTU given to `link add` is the
// kernel's to re-adjust (a bridge takes its ports' smallest MTU as each is enslaved), one set afterwards is kept.
// A new bridge is brought up in the bridges stage, once the namespaces of its ports are configured (see
// core/order.ts).
import type { Kind } from '../core/kind.js';
import { linkIsUp } from '../core/live.js';
import { bridgesOf, type Resource } from '../model.js';
import { ip, linkClaim, linkOpts, nsClaim, ownedLinks } from './common.js';

interface BridgeProps { mtu?: number; mac?: string; up: boolean; alias: string }

export const bridgeKind: Kind = {
  name: 'bridge',
  phase: { create: 220, update: 310, delete: 210 },
  desired(topo, ctx) {
    return bridgesOf(topo).map(({ ns, name, spec: b, path }) =>
      res(ns, name, { mtu: b.mtu, mac: b.mac?.toLowerCase(), up: b.up ?? true, alias: ctx.lab.alias }, path));
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => ownedLinks(ctx, n, 'bridge').map((l) => ({
      ...res(n.name, l.ifname, { mtu: l.mtu, mac: l.address, up: linkIsUp(l), alias: l.ifalias ?? '' }), owned: true,
    })));
  },
  create(r, ctx) {
    const p = r.props as unknown as BridgeProps;
    const name = r.label;
    return [
      { ...ip(r.ns, 'link', 'add', 'name', name, ...linkOpts({ mac: p.mac }), 'group', String(ctx.lab.group), 'type', 'bridge'),
        undo: [ip(r.ns, 'link', 'del', 'dev', name)] },
      ip(r.ns, 'link', 'set', 'dev', name, 'alias', p.alias, ...linkOpts({ mtu: p.mtu })),
      ...(p.up ? [{ ...ip(r.ns, 'link', 'set', 'dev', name, 'up'), stage: 'bridges' as const }] : []),
    ];
  },
  update(d, _l, fields) {
    const p = d.props as unknown as BridgeProps;
    const f = new Set(fields.map(([k]) => k));
    return [ip(d.ns, 'link', 'set', 'dev', d.label,
      ...(f.has('mtu') ? ['mtu', String(p.mtu)] : []), ...(f.has('mac') ? ['address', p.mac!] : []),
      ...(f.has('up') ? [p.up ? 'up' : 'down'] : []), ...(f.has('alias') ? ['alias', p.alias] : []))];
  },
  remove: (r) => [ip(r.ns, 'link', 'del', 'dev', r.label)],
};

function res(ns: string, name: string, props: BridgeProps, path?: string): Resource {
  return { kind: 'bridge', key: `bridge:${ns}/${name}`, ns, label: name, props: props as never,
    claims: [linkClaim(ns, name)], parents: [nsClaim(ns)], path };
}

// Addresses on the lab's interfaces (of every kind: the model's interfaces). IPv6 ones are added with `nodad` so they are usable
// the moment apply returns (and again after an update takes their interface down, which drops them). Link-local IPv6 addresses belong to the kernel and are left alone.
import type { Kind } from '../core/kind.js';
import type { Resource } from '../model.js';
import { canonicalCidr, familyOf, ip, linkBounced, linkClaim, nsClaim, ownsLink } from './common.js';

interface AddressProps { dev: string; cidr: string }

export const addressKind: Kind<AddressProps> = {
  name: 'address',
  // Created after the interfaces' settings: an interface taken down drops its global IPv6 addresses (see droppedWith).
  order: {
    create: { stage: 'config', after: ['@interface-settings'] },
    update: { stage: 'config', after: ['@interface-settings'] },
    delete: { stage: 'config', after: ['route:delete'] },
  },
  desired(model) {
    return model.ifaces.flatMap((f) => f.addresses.map((a) => res(f.ns, f.name, a.text, a.path)));
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => n.links.filter((l) => l.ifname !== 'lo' && ownsLink(ctx, n.name, l)).flatMap((l) =>
      (l.addr_info ?? []).filter((a) => !(a.family === 'inet6' && a.scope === 'link'))
        .map((a) => ({ ...res(n.name, l.ifname, `${a.local}/${a.prefixlen}`), owned: true }))));
  },
  // The kernel keeps IPv6 addresses added to an interface that is down, but drops them when it goes from up to down.
  droppedWith: (l, _deletes, _live, updates) => familyOf(l.props.cidr) === 6 && linkBounced(l.ns, l.props.dev, updates),
  compare: () => [],
  create(r) {
    const { dev, cidr } = r.props;
    return [{ ...ip(r.ns, 'addr', 'add', cidr, 'dev', dev, ...(familyOf(cidr) === 6 ? ['nodad'] : [])),
      undo: [ip(r.ns, 'addr', 'del', cidr, 'dev', dev)] }];
  },
  update: () => [],
  remove(r) {
    const { dev, cidr } = r.props;
    return [{ ...ip(r.ns, 'addr', 'del', cidr, 'dev', dev), undo: [ip(r.ns, 'addr', 'add', cidr, 'dev', dev)] }];
  },
  show: {},
};

function res(ns: string, dev: string, cidr: string, path?: string): Resource<AddressProps> {
  const c = canonicalCidr(cidr);
  return { kind: 'address', key: `address:${ns}/${dev}/${c}`, ns, label: `${c} on ${dev}`, props: { dev, cidr: c },
    claims: [], parents: [linkClaim(ns, dev), nsClaim(ns)], path };
}

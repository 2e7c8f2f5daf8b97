// Addresses on the lab's interfaces (bridges and veth ends). IPv6 ones are added with `nodad` so they are usable
// the moment apply returns. Link-local IPv6 addresses belong to the kernel and are left alone.
import type { Kind } from '../core/kind.js';
import { bridgesOf, type Resource } from '../model.js';
import { canonicalCidr, familyOf, ip, linkClaim, normEnd, nsClaim, ownsLink } from './common.js';

export const addressKind: Kind = {
  name: 'address',
  phase: { create: 330, update: 330, delete: 305 },
  desired(topo) {
    const out: Resource[] = [];
    for (const { ns, name, spec, path } of bridgesOf(topo)) {
      (spec.addresses ?? []).forEach((a, i) => out.push(res(ns, name, a, `${path}/addresses/${i}`)));
    }
    (topo.veths ?? []).forEach((v, vi) => v.ends.forEach((e, ei) => {
      const n = normEnd(e);
      n.addresses.forEach((a, i) => out.push(res(n.ns, n.name, a, `/veths/${vi}/ends/${ei}/addresses/${i}`)));
    }));
    return out;
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => n.links.filter((l) => l.ifname !== 'lo' && ownsLink(ctx, n.name, l)).flatMap((l) =>
      (l.addr_info ?? []).filter((a) => !(a.family === 'inet6' && a.scope === 'link'))
        .map((a) => ({ ...res(n.name, l.ifname, `${a.local}/${a.prefixlen}`), owned: true }))));
  },
  compare: () => [],
  create(r) {
    const { dev, cidr } = r.props as { dev: string; cidr: string };
    return [{ ...ip(r.ns, 'addr', 'add', cidr, 'dev', dev, ...(familyOf(cidr) === 6 ? ['nodad'] : [])),
      undo: [ip(r.ns, 'addr', 'del', cidr, 'dev', dev)] }];
  },
  update: () => [],
  remove(r) {
    const { dev, cidr } = r.props as { dev: string; cidr: string };
    return [{ ...ip(r.ns, 'addr', 'del', cidr, 'dev', dev), undo: [ip(r.ns, 'addr', 'add', cidr, 'dev', dev)] }];
  },
};

function res(ns: string, dev: string, cidr: string, path?: string): Resource {
  const c = canonicalCidr(cidr);
  return { kind: 'address', key: `address:${ns}/${dev}/${c}`, ns, label: `${c} on ${dev}`, props: { dev, cidr: c },
    claims: [], parents: [linkClaim(ns, dev), nsClaim(ns)], path };
}

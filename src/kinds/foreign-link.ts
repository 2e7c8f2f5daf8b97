// Interfaces the lab does not own. Never changed or deleted; listed so that a declared interface with the same
// name in the same namespace is reported as a conflict instead of being adopted or clobbered, and so that a lab
// namespace is not deleted with one inside (see foreignInside).
import type { Blocker, Kind, KindContext } from '../core/kind.js';
import type { LiveSnapshot } from '../core/live.js';
import { linkClaim, ownsLink } from './common.js';

/**
 * The devices the kernel itself makes in every new namespace while their module is loaded (the fallback tunnel
 * devices): nobody's, they can't be moved out, and they go with the namespace.
 */
const KERNEL_DEVICES: Record<string, string> = {
  tunl0: 'ipip', gre0: 'gre', gretap0: 'gretap', erspan0: 'erspan', sit0: 'sit', ip6tnl0: 'ip6tnl', ip6gre0: 'ip6gre',
  ip_vti0: 'vti', ip6_vti0: 'vti6',
};

const kernelDevice = (name: string, kind?: string) => Object.hasOwn(KERNEL_DEVICES, name) && KERNEL_DEVICES[name] === kind;

/**
 * Deleting a namespace deletes everything in it, and with a veth its peer, wherever that is. So before a lab
 * namespace is deleted, the interfaces in it that the lab does not own (someone moved or made them there) are
 * listed: the caller refuses instead of taking them along. `lo` and the kernel's own devices don't count.
 */
function foreignInside(deleted: string[], snap: LiveSnapshot, ctx: KindContext): Blocker[] {
  return deleted.flatMap((ns) => (snap.ns[ns]?.links ?? [])
    .filter((l) => l.ifname !== 'lo' && !ownsLink(ctx, ns, l) && !kernelDevice(l.ifname, l.linkinfo?.info_kind))
    .map((l) => ({ ns, ifname: l.ifname, kind: l.linkinfo?.info_kind ?? 'device' })));
}

export const foreignLinkKind: Kind = {
  name: 'foreign-link',
  order: { create: { stage: 'config' }, update: { stage: 'config' }, delete: { stage: 'config' } },
  desired: () => [],
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => n.links.filter((l) => l.ifname !== 'lo' && !ownsLink(ctx, n.name, l)).map((l) => ({
      kind: 'foreign-link', key: `foreign-link:${n.name}/${l.ifname}`, ns: n.name, label: l.ifname, props: {},
      claims: [linkClaim(n.name, l.ifname)], parents: [], owned: false,
    })));
  },
  create: () => [],
  update: () => [],
  remove: () => [],
  blockers: foreignInside,
  holder: (r) => `interface ${r.label} in ${r.ns}`,
};

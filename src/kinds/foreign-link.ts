// Interfaces the lab does not own. Never changed or deleted; listed only so that a declared interface with the
// same name in the same namespace is reported as a conflict instead of being adopted or clobbered.
import type { Kind } from '../core/kind.js';
import { linkClaim, ownsLink } from './common.js';

export const foreignLinkKind: Kind = {
  name: 'foreign-link',
  phase: { create: 0, update: 0, delete: 0 },
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
};

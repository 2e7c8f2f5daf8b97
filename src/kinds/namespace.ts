// Network namespaces. Created by `ip netns add`; marked as the lab's by the ifalias of their `lo` (see loopback.ts)
// and, until that mark is set, by the state record. Deleting one takes its interfaces, addresses and routes along.
import type { Kind } from '../core/kind.js';
import { HOST, type Resource } from '../model.js';
import { ip, nsClaim } from './common.js';

export const namespaceKind: Kind = {
  name: 'namespace',
  phase: { create: 110, update: 110, delete: 910 },
  desired(topo) {
    return Object.keys(topo.namespaces ?? {})
      .filter((n) => n !== HOST)
      .map((n) => res(n, true, `/namespaces/${n}`));
  },
  live(snap, ctx) {
    return snap.netns.filter((n) => snap.ns[n]).map((n) => {
      const lo = snap.ns[n].links.find((l) => l.ifname === 'lo');
      const owned = lo?.ifalias === ctx.lab.alias || ctx.state.namespaces.includes(n);
      return { ...res(n, owned), owned };
    });
  },
  compare: () => [],
  create: (r) => [
    { ...ip(HOST, 'netns', 'add', r.ns), undo: [ip(HOST, 'netns', 'del', r.ns)] },
    // No duplicate address detection on the namespace's interfaces (every address in it is declared, and validation
    // refuses duplicates): their IPv6 link-local addresses are usable at once, which a namespace that forwards
    // IPv6 needs to resolve its neighbours. (-e: a kernel without IPv6 has no such key.)
    ip(HOST, 'netns', 'exec', r.ns, 'sysctl', '-e', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0'),
  ],
  update: () => [],
  remove: (r) => [ip(HOST, 'netns', 'del', r.ns)],
};

function res(name: string, _owned: boolean, path?: string): Resource {
  return { kind: 'namespace', key: `namespace:${name}`, ns: name, label: name, props: {}, claims: [nsClaim(name)], parents: [], path };
}

// Network namespaces. Created by `ip netns add`; the lab's when the kernel proves it (see ownsNamespace in
// common.ts: the identity recorded right after `netns add`, and the ifalias of their `lo`, see loopback.ts).
// Deleting one takes its interfaces, addresses and routes along.
import type { Kind } from '../core/kind.js';
import type { LabModel } from '../core/lab-model.js';
import { HOST, type Resource } from '../model.js';
import { ip, nsClaim, ownsNamespace } from './common.js';

/** `ipv6`: desired only (see setUp); `marked`: live only, whether its lo carries the lab's mark. */
interface NsProps { ipv6?: boolean; marked?: boolean }

export const namespaceKind: Kind<NsProps> = {
  name: 'namespace',
  order: { create: { stage: 'namespaces' }, update: { stage: 'namespaces' }, delete: { stage: 'cleanup' } },
  desired(model) {
    const v6 = ipv6Namespaces(model);
    return Object.keys(model.topo.namespaces ?? {})
      .filter((n) => n !== HOST)
      .map((n) => ({ ...res(n, true, `/namespaces/${n}`), props: { ipv6: v6.has(n) } }));
  },
  live(snap, ctx) {
    return snap.netns.filter((n) => snap.ns[n]).map((n) => {
      const lo = snap.ns[n].links.find((l) => l.ifname === 'lo');
      const marked = lo?.ifalias === ctx.lab.alias;
      const owned = ownsNamespace(ctx, snap.ns[n]);
      return { ...res(n, owned), props: { marked }, owned };
    });
  },
  // A namespace of the lab whose lo is not marked yet was cut off between `netns add` and the end of its
  // apply (a kill -9): what its creation does after `netns add` is done again (lo is marked later in the plan).
  compare: (_d, l) => (l.props.marked === false ? [['created', 'partly', 'fully']] : []),
  create: (r) => [
    { ...ip(HOST, 'netns', 'add', r.ns), undo: [ip(HOST, 'netns', 'del', r.ns)] },
    ...setUp(r),
  ],
  update: (d) => setUp(d),
  remove: (r) => [ip(HOST, 'netns', 'del', r.ns)],
  // The record covers the instant between `netns add` and marking its lo, and keeps its identity (see common.ts).
  record: {
    intent: (c) => (c.op === 'create' ? { namespaces: [c.ns] } : {}),
    keep: (r, intent) => ({ namespaces: [r.ns], namespaceIds: intent.namespaceIds[r.ns] !== undefined ? { [r.ns]: intent.namespaceIds[r.ns] } : {} }),
  },
  holder: (r) => `namespace ${r.label}`,
  show: {},
};

/** What a namespace's creation does after `ip netns add`. */
function setUp(r: Resource<NsProps>) {
  return [
    // No duplicate address detection on the namespace's interfaces (every address in it is declared, and validation
    // refuses duplicates): their IPv6 link-local addresses are usable at once, which a namespace that forwards
    // IPv6 needs to resolve its neighbours. Only where the file gives the namespace any IPv6 (address, route or
    // net.ipv6 sysctl): it costs a process per namespace. Written in the namespace (a sysctl write, see
    // kinds/sysctl.ts) in the stage after the namespaces are created, before any interface goes there.
    // (ipv6 is unknown, so false, for a namespace re-created from what was read, as a rollback does.)
    ...(r.props.ipv6 !== true ? []
      : [{ ns: r.ns, tool: 'sysctl' as const, args: ['net.ipv6.conf.default.accept_dad'], input: '0\n', stage: 'unlink' as const }]),
  ];
}

/** Namespaces the file gives an IPv6 address (on any interface), an IPv6 route or a net.ipv6 sysctl. */
function ipv6Namespaces(model: LabModel): Set<string> {
  const out = new Set<string>();
  for (const f of model.ifaces) if (f.addresses.some((a) => isV6(a.text))) out.add(f.ns);
  for (const [ns, spec] of Object.entries(model.topo.namespaces ?? {})) {
    if ((spec?.routes ?? []).some((r) => isV6(r.to) || isV6(r.via ?? ''))) out.add(ns);
    if (Object.keys(spec?.sysctls ?? {}).some((k) => k.startsWith('net.ipv6.'))) out.add(ns);
  }
  return out;
}

const isV6 = (a: string) => a.includes(':');

function res(name: string, _owned: boolean, path?: string): Resource<NsProps> {
  return { kind: 'namespace', key: `namespace:${name}`, ns: name, label: name, props: {}, claims: [nsClaim(name)], parents: [], path };
}

// macvlan interfaces: a sub-interface of a parent interface, with a MAC address of its own, declared under the
// namespace it lives in (namespaces.<ns>.macvlans.<name>). The parent is a lab interface (a veth end, a bridge) or
// one of the host's own: it may be in another namespace, and it is never changed by the lab.
// One `link add link PARENT name N [netns NS] group G ... type macvlan mode M`, run in the parent's namespace in
// the stacked stage (the parent exists by then, whichever namespace's batch made it), creates it in its own
// namespace already marked with the lab's group; its alias (ignored on `link add`) and `up` follow in its own
// namespace (a link moved to another namespace arrives down), at the start of that namespace's config stage.
// Read back from its own namespace: linkinfo.info_data.mode, and the parent by link_index in the namespace its
// link_netnsid names (the nsids of that namespace are read for it) or in its own when it has none.
// Deleting the parent deletes its macvlans, in every namespace: the parent is one of the macvlan's parents
// (Resource.parents), so a plan that deletes or re-creates it makes the macvlan again. The parent and the
// passthru mode can't be changed in place (`link set type macvlan mode passthru`, and back, is EINVAL): they are
// part of the resource's key, so a change deletes and creates it. The other modes change in place.
import { pointer, show as showValue, type Finding } from '../core/finding.js';
import type { Kind } from '../core/kind.js';
import { addressesAt, ifacesOf, ifKey, interfaceRef, type DeclaredIface, type LabModel, nsText } from '../core/lab-model.js';
import { linkIsUp, type IpLink, type LiveSnapshot, type NsLive } from '../core/live.js';
import { closest, didYouMean } from '../core/suggest.js';
import { HOST, HOST_NETNS, type Cmd, type Resource, type Topology } from '../model.js';
import { ip, linkClaim, linkOpts, linkRecord, nsClaim, ownsLink } from './common.js';
import { bridgeMtus, DEFAULT_MTU } from './link-defaults.js';

export type MacvlanMode = 'bridge' | 'private' | 'vepa' | 'passthru';

/** A macvlan as the file declares it, under its namespace. */
export interface MacvlanSpec {
  /** The parent interface: its name in the macvlan's namespace, or its name and namespace (default: the macvlan's). */
  parent: string | { name: string; namespace?: string };
  /** Default bridge. */
  mode?: MacvlanMode;
  addresses?: string[];
  /** Undeclared, the parent's at creation (the kernel's), not held. */
  mtu?: number;
  /** Not with passthru, which takes the parent's MAC (and setting its MAC sets the parent's). */
  mac?: string;
  up?: boolean;
}

declare module '../model.js' {
  interface NamespaceSpec {
    /** macvlan interfaces of this namespace, by name. */
    macvlans?: Record<string, MacvlanSpec>;
  }
}

const KIND = 'macvlan';
const DEFAULT_MODE: MacvlanMode = 'bridge';

interface Where { ns: string; name: string }

/** A declared macvlan with its defaults resolved and its place in the file. */
interface Declared {
  ns: string; name: string; parent: Where; mode: MacvlanMode; spec: MacvlanSpec;
  /** JSON pointer of its key; `parentPath` of its parent's name, `parentNsPath` of its parent's namespace (if written). */
  path: string; parentPath: string; parentNsPath?: string;
}

export function macvlansOf(topo: Topology): Declared[] {
  return Object.entries(topo.namespaces ?? {}).flatMap(([ns, spec]) => Object.entries(spec?.macvlans ?? {}).map(([name, m]) => {
    const path = pointer('namespaces', ns, 'macvlans', name);
    const p = m.parent;
    const parent = typeof p === 'string' ? { ns, name: p } : { ns: p.namespace ?? ns, name: p.name };
    return {
      ns, name, parent, mode: m.mode ?? DEFAULT_MODE, spec: m, path,
      parentPath: typeof p === 'string' ? `${path}/parent` : `${path}/parent/name`,
      parentNsPath: typeof p === 'string' || p.namespace === undefined ? undefined : `${path}/parent/namespace`,
    };
  }));
}

interface MacvlanProps {
  parent: Where;
  mode: string;
  /** Desired: declared only (undefined = the kernel's). */
  mtu?: number;
  mac?: string;
  up: boolean;
  alias: string;
}

export const macvlanKind: Kind<MacvlanProps> = {
  name: KIND,
  order: {
    create: { stage: 'stacked' },
    // After the settings of a parent in the same namespace (a parent's MTU raised first). A parent in another
    // namespace is set in that namespace's config batch, in parallel: an edit that raises both a parent's MTU and
    // its macvlan's above the old one may see the macvlan's refused (Invalid argument) and rolled back; raise the
    // parent's in one apply and the macvlan's in the next.
    update: { stage: 'config', after: ['veth-end', 'bridge'], groups: ['interface-settings'] },
    delete: { stage: 'unstack' },
  },
  interfaces: (topo) => macvlansOf(topo).map((m): DeclaredIface => ({
    ns: m.ns, name: m.name, kind: KIND, role: 'macvlan', path: m.path, at: 'key', base: m.path,
    addresses: addressesAt(m.spec.addresses, m.path), mtu: m.spec.mtu, up: m.spec.up !== false, lower: m.parent,
  })),
  check: (model) => checks(model),
  desired(model, ctx) {
    return macvlansOf(model.topo).map((m) => res(m.ns, m.name, {
      parent: m.parent, mode: m.mode, mtu: m.spec.mtu, mac: m.spec.mac?.toLowerCase(), up: m.spec.up ?? true, alias: ctx.lab.alias,
    }, m.path));
  },
  nsidsNeeded: (snap, ctx) => Object.values(snap.ns)
    .filter((n) => !n.shallow && !n.nsids && n.links.some((l) => isMacvlan(l) && l.link_netnsid !== undefined && ownsLink(ctx, n.name, l)))
    .map((n) => n.name),
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => n.links.filter((l) => isMacvlan(l) && ownsLink(ctx, n.name, l)).map((l) => ({
      ...res(n.name, l.ifname, {
        parent: parentOf(snap, n, l) ?? { ns: '?', name: '?' }, mode: modeOf(l), mtu: l.mtu, mac: l.address, up: linkIsUp(l), alias: l.ifalias ?? '',
      }),
      owned: true,
    })));
  },
  compare(d, l) {
    const dp = d.props, lp = l.props;
    return (['mode', 'mtu', 'mac', 'up', 'alias'] as const).filter((k) => dp[k] !== undefined && dp[k] !== lp[k]).map((k) => [k, lp[k], dp[k]]);
  },
  create(r, ctx) {
    const p = r.props;
    if (p.parent.ns === '?') return []; // read back on a parent outside the lab's namespaces (a rollback can't make it)
    const moved = p.parent.ns !== r.ns;
    const set: Cmd = ip(r.ns, 'link', 'set', 'dev', r.label, 'alias', p.alias, ...(p.up ? ['up'] : []));
    return [
      { ...ip(p.parent.ns, 'link', 'add', 'link', p.parent.name, 'name', r.label, ...(moved ? ['netns', r.ns === HOST ? HOST_NETNS : r.ns] : []),
        ...linkOpts(p), 'group', String(ctx.lab.group), 'type', 'macvlan', 'mode', p.mode),
      undo: [ip(r.ns, 'link', 'del', 'dev', r.label)] },
      // In its own namespace once the stacked stage is over; in the parent's, right after it.
      moved ? { ...set, stage: 'config' } : set,
    ];
  },
  update(d, l, fields) {
    const f = new Set(fields.map(([k]) => k));
    const args = (q: MacvlanProps) => [
      ...linkOpts({ mtu: f.has('mtu') ? q.mtu : undefined, mac: f.has('mac') ? q.mac : undefined }),
      ...(f.has('up') ? [q.up ? 'up' : 'down'] : []),
      ...(f.has('alias') ? ['alias', q.alias || '""'] : []),
      ...(f.has('mode') ? ['type', 'macvlan', 'mode', q.mode] : []),
    ];
    const p = d.props, old = l.props;
    return [{ ...ip(d.ns, 'link', 'set', 'dev', d.label, ...args(p)), undo: [ip(d.ns, 'link', 'set', 'dev', d.label, ...args(old))] }];
  },
  remove: (r) => [ip(r.ns, 'link', 'del', 'dev', r.label)],
  record: linkRecord,
  show: {
    detail(r) {
      const p = r.props;
      return ` on ${at(p.parent, r.ns)} mode ${p.mode}${p.up ? ' up' : ' down'}${p.mtu !== undefined ? ` mtu ${p.mtu}` : ''}`;
    },
  },
};

const isMacvlan = (l: IpLink) => l.linkinfo?.info_kind === KIND;
const modeOf = (l: IpLink) => String((l.linkinfo as { info_data?: { mode?: unknown } }).info_data?.mode ?? '?');
const at = (w: Where, from: string) => (w.ns === from ? w.name : `${w.name}@${w.ns}`);

/**
 * The parent of a live macvlan: by link_index in its own namespace, or in the one its link_netnsid names (an nsid
 * with no name is the host's, which has none in /run/netns); undefined when that can't be known (nsids not read,
 * the namespace not read, no such interface there).
 */
function parentOf(snap: LiveSnapshot, n: NsLive, l: IpLink): Where | undefined {
  let ns: string | undefined = n.name;
  if (l.link_netnsid !== undefined) ns = n.nsids && !n.shallow ? n.nsids[l.link_netnsid] ?? HOST : undefined;
  const parent = ns !== undefined ? snap.ns[ns]?.links.find((x) => x.ifindex === l.link_index) : undefined;
  return parent ? { ns: ns!, name: parent.ifname } : undefined;
}

function res(ns: string, name: string, props: MacvlanProps, path?: string): Resource<MacvlanProps> {
  const { parent } = props;
  const passthru = props.mode === 'passthru' ? ' passthru' : '';
  const parents = [nsClaim(ns), ...(parent.ns === '?' ? [] : [...(parent.ns === ns ? [] : [nsClaim(parent.ns)]), linkClaim(parent.ns, parent.name)])];
  return {
    kind: KIND, key: `${KIND}:${ns}/${name} on ${parent.ns}/${parent.name}${passthru}`, ns, label: name, props,
    claims: [linkClaim(ns, name)], parents, path,
  };
}

/** What the kernel would refuse, or what would not work, with each macvlan's parent, mode, MTU and MAC. */
function checks(model: LabModel): Finding[] {
  const out: Finding[] = [];
  const all = macvlansOf(model.topo);
  const mtus = bridgeMtus(model);
  const byParent = new Map<string, Declared[]>();
  for (const m of all) {
    const k = ifKey(m.parent.ns, m.parent.name);
    const list = byParent.get(k);
    if (list) list.push(m); else byParent.set(k, [m]);
    const parent = parentCheck(model, m, out);
    if (!parent) continue;
    if (parent.kind === KIND) {
      const grand = all.find((x) => x.ns === parent.ns && x.name === parent.name)!.parent;
      out.push({
        code: 'macvlan-on-macvlan', path: m.parentPath, related: parent.path, relatedAt: 'key',
        message: `parent ${JSON.stringify(m.parent.name)} is a macvlan: the kernel puts a macvlan of a macvlan on its parent (${at(grand, m.parent.ns)}), so it would never read back as declared`,
        hint: `give it the same parent: parent: { name: ${grand.name}, namespace: ${grand.ns} }`,
      });
    } else if (parent.master !== undefined) {
      out.push({
        code: 'macvlan-parent-port', path: m.parentPath, related: parent.path, relatedAt: parent.at,
        message: `parent ${JSON.stringify(m.parent.name)} is a port of bridge ${parent.master}: the kernel refuses a macvlan on a bridge port (Device or resource busy)`,
        hint: `put the macvlan on the bridge: parent: { name: ${parent.master}, namespace: ${parent.ns} }`,
      });
    }
    if (!parent.up) {
      out.push({
        code: 'macvlan-parent-down', severity: 'warning', path: m.parentPath, related: parent.path, relatedAt: parent.at,
        message: `parent ${JSON.stringify(m.parent.name)} is declared down: macvlan ${m.name} has no carrier while its parent is down`,
        hint: 'bring the parent up (up: true, the default); topo never changes a parent for its macvlans',
      });
    }
    const limit = parent.kind === 'bridge' ? mtus.get(ifKey(parent.ns, parent.name)) : parent.kind === 'veth' ? parent.mtu ?? DEFAULT_MTU : undefined;
    if (m.spec.mtu !== undefined && limit !== undefined && m.spec.mtu > limit) {
      out.push({
        code: 'macvlan-mtu', path: `${m.path}/mtu`,
        message: `MTU ${m.spec.mtu} is above its parent ${m.parent.name}'s (${limit}): the kernel refuses a macvlan larger than its parent (Invalid argument)`,
        hint: `lower it to ${limit} or less, or raise the parent's MTU`,
      });
    }
  }
  for (const list of byParent.values()) modesAndMacs(list, out);
  return out;
}

/**
 * The parent as the file declares it; undefined when it isn't (a finding says why, unless it may be the host's
 * own) or when its namespace isn't declared.
 */
function parentCheck(model: LabModel, m: Declared, out: Finding[]): DeclaredIface | undefined {
  const { ns, name } = m.parent;
  if (!model.namespaces.has(ns)) {
    out.push({
      code: 'unknown-namespace', path: m.parentNsPath!,
      message: `namespace ${JSON.stringify(ns)} is not declared${didYouMean(ns, [...model.namespaces])}`,
      hint: `the parent's namespace must be declared under "namespaces:", or be "host"`,
    });
    return undefined;
  }
  if (name === 'lo') {
    out.push({ code: 'macvlan-parent-lo', path: m.parentPath, message: 'a macvlan can\'t be stacked on the loopback interface lo (the kernel refuses it: Invalid argument)', hint: 'give it an Ethernet parent: a veth end or a bridge' });
    return undefined;
  }
  const f = model.byKey.get(ifKey(ns, name));
  if (f) return f;
  const missing = interfaceRef(model, ns, name, m.parentPath, 'parent');
  if (missing) { out.push(missing); return undefined; }
  // In the host, an interface the lab doesn't declare is one of the host's own: fine, unless it looks like a typo.
  const near = closest(name, ifacesOf(model, HOST).map((x) => x.name));
  if (near) {
    out.push({
      code: 'macvlan-host-parent', severity: 'warning', path: m.parentPath,
      message: `parent ${JSON.stringify(name)} is not an interface of the lab in the host namespace (did you mean ${JSON.stringify(near)}?)`,
      hint: `a parent in the host that the lab doesn't declare must be one of the host's own interfaces (the apply fails with Cannot find device "${name}" otherwise)`,
    });
  }
  return undefined;
}

/** passthru: the parent's only macvlan, with the parent's MAC; two macvlans of one parent can't share a MAC. */
function modesAndMacs(list: Declared[], out: Finding[]): void {
  const passthru = list.find((m) => m.mode === 'passthru');
  if (passthru && list.length > 1) {
    for (const m of list.filter((x) => x !== passthru)) {
      out.push({
        code: 'macvlan-passthru', path: m.parentPath, related: passthru.path, relatedAt: 'key',
        message: `${m.parent.name} in ${nsText(m.parent.ns)} is the parent of passthru macvlan ${passthru.name} (${nsText(passthru.ns)}): a passthru macvlan must be its parent's only one (the kernel refuses another: Invalid argument)`,
        hint: 'use mode bridge (or private, vepa) for all macvlans of a parent that has several',
      });
    }
  }
  for (const m of list) {
    if (m.mode === 'passthru' && m.spec.mac !== undefined) {
      out.push({
        code: 'macvlan-passthru-mac', path: `${m.path}/mac`,
        message: `a passthru macvlan has its parent's MAC address: setting ${showValue(m.spec.mac)} would change the parent ${m.parent.name}'s`,
        hint: 'remove mac, or use another mode',
      });
    }
  }
  const seen = new Map<string, Declared>();
  for (const m of list) {
    if (m.spec.mac === undefined) continue;
    const mac = m.spec.mac.toLowerCase();
    const first = seen.get(mac);
    if (!first) { seen.set(mac, m); continue; }
    out.push({
      code: 'macvlan-duplicate-mac', path: `${m.path}/mac`, related: `${first.path}/mac`,
      message: `MAC ${mac} is also macvlan ${first.name}'s (${nsText(first.ns)}), on the same parent ${m.parent.name}: the kernel refuses to bring the second one up (Address already in use)`,
      hint: 'give each macvlan of a parent its own MAC, or leave mac out (the kernel picks one)',
    });
  }
}


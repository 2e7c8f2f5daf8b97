// VXLAN tunnel endpoints (`namespaces.<ns>.vxlans.<name>`): an Ethernet interface whose frames go in UDP to the
// other endpoints of its VNI — its `remote`, a multicast `group`, or the static flood entries it is given (`flood`,
// `bridge fdb append 00:00:00:00:00:00 dev X dst ADDRESS`, read back with `bridge -json fdb show`).
//
// Kernel facts this follows (measured: /work/notes/kinds-facts.md section 2, and test/integration/vxlan.test.ts):
// - one `link add` carries the lab's link group, the MTU (before `type vxlan`), the bridge and `up`; the alias (the
//   lab's mark) is ignored there and set on the next line. `dstport` is always given (the kernel's default is 8472).
// - the VNI, the port and the address family can't change in place (`Cannot change VNI.`, `Cannot change port.`
//   even for the same port, "New group address family does not match old group."), nor can `dev` be taken away:
//   they are part of the key, so a change of any of them deletes the endpoint and creates it again (its addresses
//   and flood entries with it). remote, group, local, dev, learning change in place (`link set ... type vxlan`,
//   never with `dstport`); `remote 0.0.0.0` clears both remote and group.
// - without `mtu` the kernel gives it the underlay's MTU less 50 (IPv4) or 70 (IPv6), 1500 without `dev`; a larger
//   MTU is silently lowered at creation and refused later (the checks refuse it first, with the numbers).
// - deleting the underlay deletes the endpoint: `dev` is among its parents, so a plan that deletes the underlay and
//   keeps the endpoint creates it again, and its own deletion goes along with the underlay's.
// - it is created in the config stage, once every interface exists: its underlay may be the peer of a veth that
//   another namespace creates in the links stage. Its addresses (address kind, same rank) come after it because
//   it is listed before the address kind in src/kinds/index.ts.
import type { FieldDiff, Kind } from '../core/kind.js';
import { pointer, type Finding } from '../core/finding.js';
import { canon, family, parseAddr, type Addr } from '../core/ip.js';
import { addressesAt, ifacesOf, ifKey, interfaceRef, type DeclaredIface, type LabModel, nsText } from '../core/lab-model.js';
import { linkIsUp, type IpLink, type NsLive, type ToolRead } from '../core/live.js';
import { didYouMean } from '../core/suggest.js';
import { HOST, type Cmd, type Resource, type Topology } from '../model.js';
import { ip, linkClaim, linkRecord, nsClaim, ownedLinks } from './common.js';
import { ifaceMtu } from './link-defaults.js';

/** A VXLAN endpoint as the file declares it. */
export interface VxlanSpec {
  id: number;
  remote?: string;
  group?: string;
  flood?: string[];
  local?: string;
  dstport?: number;
  dev?: string;
  learning?: boolean;
  mtu?: number;
  addresses?: string[];
  bridge?: string;
  up?: boolean;
}

declare module '../model.js' {
  interface NamespaceSpec {
    /** VXLAN endpoints of this namespace, by interface name (see kinds/vxlan.ts). */
    vxlans?: Record<string, VxlanSpec>;
  }
}

/** The IANA port, given on every `link add`: without one the kernel uses 8472. */
export const VXLAN_PORT = 4789;
/** Bytes the tunnel adds to each frame (outer IP, UDP, VXLAN and inner Ethernet headers), by the underlay's family. */
export const OVERHEAD = { 4: 50, 6: 70 } as const;
/** The name of the kind's read (NsLive.reads): `bridge -json fdb show` of a namespace. */
const FDB = 'vxlan:fdb';
const ZERO_MAC = '00:00:00:00:00:00';

/**
 * An endpoint's state. Key fields (they can't change in place): id, port, family, and whether it has a dev. A flood
 * entry is its address, with " port P", " vni V", " via DEV" when it has them (only entries added by hand do).
 * `flood` is undefined on a live endpoint whose namespace's entries were not read.
 */
export interface VxlanProps {
  name: string; id: number; port: number; family: 4 | 6;
  remote: string | null; group: string | null; local: string | null; dev: string | null; learning: boolean;
  mtu?: number; up: boolean; master: string | null; alias: string; flood?: string[];
}

/** The fields compared, in the order a change lists them. */
const FIELDS = ['remote', 'group', 'local', 'dev', 'learning', 'mtu', 'up', 'master', 'alias', 'flood'] as const;
/** The fields of the `link set ... type vxlan` line; the others are the generic `link set` line's, and flood's. */
const TUNNEL = new Set<string>(['remote', 'group', 'local', 'dev', 'learning']);

/** Every endpoint of the file with its namespace and place. */
export function vxlansOf(t: Topology | undefined): { ns: string; name: string; spec: VxlanSpec; path: string }[] {
  return Object.entries(t?.namespaces ?? {}).flatMap(([ns, s]) => Object.entries(s?.vxlans ?? {})
    .map(([name, spec]) => ({ ns, name, spec, path: pointer('namespaces', ns, 'vxlans', name) })));
}

/** The address family of an endpoint: its local, remote, group or first flood address's; IPv4 when none (the kernel's). */
export function familyOfSpec(v: VxlanSpec): 4 | 6 {
  for (const s of [v.local, v.remote, v.group, ...(v.flood ?? [])]) {
    const a = s === undefined ? undefined : parseAddr(s);
    if (a) return family(a);
  }
  return 4;
}

export const vxlanKind: Kind<VxlanProps> = {
  name: 'vxlan',
  order: { create: { stage: 'config', after: ['veth-end'] }, update: { stage: 'config', after: ['veth-end'], groups: ['interface-settings'] }, delete: { stage: 'unlink' } },
  interfaces: (topo) => vxlansOf(topo).map(({ ns, name, spec, path }): DeclaredIface => ({
    ns, name, kind: 'vxlan', role: 'vxlan', path, at: 'key', base: path, addresses: addressesAt(spec.addresses, path),
    mtu: spec.mtu, up: spec.up !== false, master: spec.bridge,
    // The endpoints of one VNI (and port) are one layer-2 network, wherever they are.
    wire: { id: `vxlan/${spec.id}/${spec.dstport ?? VXLAN_PORT}`, label: `VNI ${spec.id}` },
    ...(spec.dev !== undefined ? { underlay: { name: spec.dev, overhead: OVERHEAD[familyOfSpec(spec)] } } : {}),
  })),
  check: (model) => vxlansOf(model.topo).flatMap((v) => findings(model, v)),
  desired(model, ctx) {
    return vxlansOf(model.topo).map(({ ns, name, spec: v, path }) => {
      const addr = (s: string | undefined) => (s === undefined ? null : canonical(s));
      const props: VxlanProps = {
        name, id: v.id, port: v.dstport ?? VXLAN_PORT, family: familyOfSpec(v),
        remote: addr(v.remote), group: addr(v.group), local: addr(v.local), dev: v.dev ?? null, learning: v.learning ?? true,
        mtu: ifaceMtu(model, model.byKey.get(ifKey(ns, name))!), up: v.up ?? true, master: v.bridge ?? null, alias: ctx.lab.alias,
        flood: [...new Set((v.flood ?? []).map(canonical))].sort(),
      };
      return res(ns, props, path);
    });
  },
  // The flood entries, read only in namespaces where the file declares an endpoint: an endpoint the file doesn't
  // declare is deleted, and its entries with it. Entries added by hand to a lab endpoint are drift like any other.
  reads: (topo) => [...new Set(vxlansOf(topo).map((v) => v.ns))].map((ns): ToolRead => ({
    name: FDB, ns, tool: 'bridge', args: ['-json', 'fdb', 'show'], what: 'the VXLAN flood entries',
    absent: /Cannot find device/, pkg: 'iproute2',
  })),
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => ownedLinks(ctx, n, 'vxlan').map((l) => ({ ...res(n.name, fromLive(n, l)), owned: true })));
  },
  compare(d, l) {
    const dp = d.props, lp = l.props;
    const out: FieldDiff[] = [];
    for (const k of FIELDS) {
      if (k === 'flood') {
        if (lp.flood !== undefined && dp.flood!.join(' ') !== lp.flood.join(' ')) out.push([k, lp.flood.join(', ') || null, dp.flood!.join(', ') || null]);
      } else if (dp[k] !== undefined && dp[k] !== lp[k]) out.push([k, lp[k], dp[k]]);
    }
    return out;
  },
  create(r, ctx) {
    const p = r.props;
    return [
      { ...ip(r.ns, 'link', 'add', p.name, ...(p.mtu !== undefined ? ['mtu', String(p.mtu)] : []), 'group', String(ctx.lab.group),
        ...(p.master ? ['master', p.master] : []), ...(p.up ? ['up'] : []), 'type', 'vxlan', 'id', String(p.id),
        ...(p.group ? ['group', p.group] : p.remote ? ['remote', p.remote] : []), ...localArgs(p),
        'dstport', String(p.port), ...(p.dev ? ['dev', p.dev] : []), ...(p.learning ? [] : ['nolearning'])),
      undo: [ip(r.ns, 'link', 'del', 'dev', p.name)] },
      ip(r.ns, 'link', 'set', 'dev', p.name, 'alias', p.alias),
      ...(p.flood ?? []).map((e) => fdb(r.ns, 'append', p.name, e)),
    ];
  },
  update(d, l, fields) {
    const p = d.props, old = l.props;
    const f = new Set(fields.map(([k]) => k));
    const out: Cmd[] = [];
    if ([...f].some((k) => TUNNEL.has(k))) {
      out.push({ ...ip(d.ns, 'link', 'set', 'dev', p.name, 'type', 'vxlan', ...tunnelArgs(p, f)), undo: [ip(d.ns, 'link', 'set', 'dev', p.name, 'type', 'vxlan', ...tunnelArgs(old, f))] });
    }
    // A new underlay may have lowered the MTU (the kernel keeps it within the underlay's): it is set again after.
    if (f.has('dev') && p.mtu !== undefined) f.add('mtu');
    const link = (q: VxlanProps) => [
      ...(f.has('mtu') && q.mtu !== undefined ? ['mtu', String(q.mtu)] : []),
      ...(f.has('master') ? (q.master ? ['master', q.master] : ['nomaster']) : []),
      ...(f.has('up') ? [q.up ? 'up' : 'down'] : []),
      ...(f.has('alias') ? ['alias', q.alias || '""'] : []),
    ];
    if (link(p).length) out.push({ ...ip(d.ns, 'link', 'set', 'dev', p.name, ...link(p)), undo: [ip(d.ns, 'link', 'set', 'dev', p.name, ...link(old))] });
    if (f.has('flood')) {
      const want = new Set(p.flood), have = new Set(old.flood);
      for (const e of old.flood ?? []) if (!want.has(e)) out.push({ ...fdb(d.ns, 'del', p.name, e), undo: [fdb(d.ns, 'append', p.name, e)] });
      for (const e of p.flood ?? []) if (!have.has(e)) out.push({ ...fdb(d.ns, 'append', p.name, e), undo: [fdb(d.ns, 'del', p.name, e)] });
    }
    return out;
  },
  remove: (r) => [ip(r.ns, 'link', 'del', 'dev', r.props.name)],
  record: linkRecord,
  show: {
    detail(r) {
      const p = r.props;
      return ` ${p.up ? 'up' : 'down'} mtu ${p.mtu}${peers(p)}${p.dev ? ` dev ${p.dev}` : ''}${p.master ? ` on ${p.master}` : ''}`;
    },
  },
  draw: (model, ns) => vxlansOf(model.topo).filter((v) => v.ns === ns).map(({ name, spec: v }) => ({
    text: `${name}: VNI ${v.id}${v.remote ? ` to ${v.remote}` : v.group ? ` group ${v.group}` : v.flood ? ` flood ${v.flood.join(', ')}` : ''}`,
  })),
};

function res(ns: string, p: VxlanProps, path?: string): Resource<VxlanProps> {
  return {
    kind: 'vxlan', key: `vxlan:${ns}/${p.name}/${p.id}/${p.port}/ipv${p.family}${p.dev === null ? '/no-dev' : ''}`, ns,
    label: `${p.name} VNI ${p.id}${p.port === VXLAN_PORT ? '' : ` port ${p.port}`}`, props: p,
    claims: [linkClaim(ns, p.name)], parents: [nsClaim(ns), ...(p.dev && p.dev !== '?' ? [linkClaim(ns, p.dev)] : [])], path,
  };
}

const canonical = (s: string) => { const a = parseAddr(s); return a ? canon(a) : s; };

const peers = (p: VxlanProps) => (p.remote ? ` remote ${p.remote}` : p.group ? ` group ${p.group}` : p.flood?.length ? ` flood ${p.flood.join(', ')}` : '');

/**
 * `local` at creation. An endpoint with flood entries only is IPv4 for the kernel unless an address says otherwise,
 * and then refuses IPv6 entries (Address family not supported): `local ::` makes it IPv6 (and reads back as no local).
 */
function localArgs(p: VxlanProps): string[] {
  if (p.local) return ['local', p.local];
  return p.family === 6 && !p.remote && !p.group ? ['local', '::'] : [];
}

/** `ip link set ... type vxlan` arguments for the changed tunnel fields (never `dstport`: "Cannot change port"). */
function tunnelArgs(p: VxlanProps, f: Set<string>): string[] {
  const zero = p.family === 6 ? '::' : '0.0.0.0';
  const out: string[] = [];
  // group and remote are one attribute: a group needs its dev on the same line; `remote 0.0.0.0` clears either.
  if (f.has('remote') || f.has('group')) out.push(...(p.group ? ['group', p.group, ...(p.dev ? ['dev', p.dev] : [])] : ['remote', p.remote ?? zero]));
  if (f.has('local')) out.push('local', p.local ?? zero);
  if (f.has('dev') && p.dev && !out.includes('dev')) out.push('dev', p.dev);
  if (f.has('learning')) out.push(p.learning ? 'learning' : 'nolearning');
  return out;
}

/** `bridge fdb append|del` of a flood entry ("ADDRESS[ port P][ vni V][ via DEV]", see VxlanProps). */
function fdb(ns: string, verb: 'append' | 'del', dev: string, entry: string): Cmd {
  const [dst, ...rest] = entry.split(' ');
  return { ns, tool: 'bridge', args: ['fdb', verb, ZERO_MAC, 'dev', dev, 'dst', dst, ...rest] };
}

type InfoData = {
  id?: number; port?: number; remote?: string; remote6?: string; group?: string; group6?: string; local?: string; local6?: string;
  link?: string; learning?: boolean;
};
type FdbEntry = { mac?: string; ifname?: string; dst?: string; port?: number; vni?: number; viaIf?: string; flags?: string[] };

function fromLive(n: NsLive, l: IpLink): VxlanProps {
  const i = ((l.linkinfo as { info_data?: InfoData }).info_data ?? {}) as InfoData;
  // The underlay's name is only trustworthy when it is in this namespace (no link_netnsid; see kinds-facts).
  const dev = i.link === undefined ? null : l.link_netnsid === undefined ? i.link : '?';
  const remote = i.remote ?? i.remote6 ?? null, group = i.group ?? i.group6 ?? null;
  const flood = floodOf(n.reads?.[FDB], l.ifname, remote ?? group, i.link);
  // The family shows in the addresses' keys (remote6...); an endpoint with none (flood entries only, made with
  // `local ::`) shows it in its flood entries.
  const v6 = [i.remote6, i.group6, i.local6].some((x) => x !== undefined) || Boolean(flood?.some((e) => e.split(' ')[0].includes(':')));
  return {
    name: l.ifname, id: i.id ?? -1, port: i.port ?? -1, family: v6 ? 6 : 4,
    remote, group, local: i.local ?? i.local6 ?? null, dev, learning: i.learning ?? true,
    mtu: l.mtu, up: linkIsUp(l), master: l.master ?? null, alias: l.ifalias ?? '', flood,
  };
}

/**
 * The flood entries of one endpoint in a namespace's `bridge -json fdb show`: all-zero MAC, the device's own
 * (`self`), with a destination; not the one the kernel keeps for its remote or group (same address, through its
 * dev, no port or VNI of its own). Undefined when the namespace's entries were not read.
 */
export function floodOf(doc: unknown, ifname: string, peer: string | null, link: string | undefined): string[] | undefined {
  if (!Array.isArray(doc)) return undefined;
  let own = peer !== null;
  const out: string[] = [];
  for (const e of doc as FdbEntry[]) {
    if (e?.ifname !== ifname || e.mac !== ZERO_MAC || !e.flags?.includes('self') || typeof e.dst !== 'string') continue;
    const plain = e.port === undefined && e.vni === undefined;
    if (own && plain && e.dst === peer && e.viaIf === link) { own = false; continue; }
    out.push([canonical(e.dst), ...(e.port !== undefined ? ['port', String(e.port)] : []), ...(e.vni !== undefined ? ['vni', String(e.vni)] : []),
      ...(e.viaIf !== undefined ? ['via', e.viaIf] : [])].join(' '));
  }
  return [...new Set(out)].sort();
}

// ---- Checks ----

function findings(model: LabModel, { ns, name, spec: v, path }: ReturnType<typeof vxlansOf>[number]): Finding[] {
  const out: Finding[] = [];
  const at = (k: string, ...more: (string | number)[]) => `${path}${pointer(k, ...more)}`;
  // Addresses: each one parses; remote, group, flood are exclusive; group is multicast, the others aren't.
  const addrs: { key: string; path: string; a: Addr }[] = [];
  const one = (key: string, text: string, p: string) => {
    const a = parseAddr(text);
    if (!a) out.push({ code: 'bad-address', path: p, message: `${key} of ${name}: ${JSON.stringify(text)} is not an IPv4 or IPv6 address` });
    else addrs.push({ key, path: p, a });
  };
  for (const k of ['remote', 'group', 'local'] as const) if (v[k] !== undefined) one(k, v[k]!, at(k));
  (v.flood ?? []).forEach((x, i) => one('flood', x, at('flood', i)));
  const given = (['remote', 'group', 'flood'] as const).filter((k) => v[k] !== undefined);
  if (given.length > 1) {
    out.push({
      code: 'vxlan-peers', path: at(given[1]), at: 'key', related: at(given[0]), relatedAt: 'key',
      message: `${name} has both ${given[0]} and ${given[1]}: an endpoint sends to one remote, one multicast group, or its flood entries`,
      hint: 'keep one of them (several endpoints: list them all under flood)',
    });
  }
  for (const x of addrs) {
    const multicast = x.a.range() === 'multicast', zero = x.a.range() === 'unspecified';
    if (x.key === 'group' && !multicast) {
      out.push({ code: 'vxlan-group-not-multicast', path: x.path, message: `group ${canon(x.a)} of ${name} is not a multicast address`, hint: 'a group is in 224.0.0.0/4 (IPv4) or ff00::/8 (IPv6); one other endpoint is a remote' });
    } else if (x.key !== 'group' && (multicast || zero)) {
      out.push({ code: 'vxlan-address', path: x.path, message: `${x.key} ${canon(x.a)} of ${name} is ${multicast ? 'a multicast address' : 'the unspecified address'}`, hint: multicast ? 'a multicast group is given as group (with dev)' : 'give an endpoint\'s own address' });
    }
  }
  const fam = addrs[0] ? family(addrs[0].a) : undefined;
  const other = addrs.find((x) => family(x.a) !== fam);
  if (other) {
    out.push({
      code: 'vxlan-family', path: other.path, related: addrs[0].path,
      message: `${other.key} ${canon(other.a)} of ${name} is ${fam === 4 ? 'IPv6' : 'IPv4'}, but its ${addrs[0].key} ${canon(addrs[0].a)} is ${fam === 4 ? 'IPv4' : 'IPv6'}`,
      hint: 'an endpoint tunnels over one address family: the kernel refuses the other (Address family not supported)',
    });
  }
  if (v.group !== undefined && v.dev === undefined) {
    out.push({ code: 'vxlan-group-dev', path: at('group'), at: 'key', message: `${name} joins multicast group ${v.group} but has no dev`, hint: 'give the underlay the group is joined on: dev: <interface of this namespace>' });
  }
  // local: an address the file gives an interface of this namespace (the kernel accepts any, then sends nothing).
  const local = addrs.find((x) => x.key === 'local');
  if (local && ns !== HOST) {
    const mine = ifacesOf(model, ns).flatMap((f) => f.addresses.flatMap((a) => (a.cidr ? [canon(a.cidr[0])] : [])));
    if (!mine.includes(canon(local.a))) {
      out.push({
        code: 'vxlan-local', path: local.path,
        message: `local ${canon(local.a)} of ${name} is not an address of ${nsText(ns)}${didYouMean(canon(local.a), mine)}`,
        hint: mine.length ? `addresses of ${ns}: ${mine.slice(0, 8).join(', ')}${mine.length > 8 ? ', ...' : ''}` : `${nsText(ns)} has no addresses: give the underlay one`,
      });
    }
  }
  if (v.dev !== undefined) out.push(...devFindings(model, ns, name, v, at('dev')));
  if (v.bridge !== undefined) {
    const f = bridgeRef(model, ns, name, v.bridge, at('bridge'));
    if (f) out.push(f);
  }
  // The kernel refuses a second endpoint with the same VNI, port and family in a namespace (whatever its dev or local).
  const port = v.dstport ?? VXLAN_PORT;
  const first = vxlansOf(model.topo).find((x) => x.ns === ns && x.spec.id === v.id && (x.spec.dstport ?? VXLAN_PORT) === port && familyOfSpec(x.spec) === familyOfSpec(v));
  if (first && first.name !== name) {
    out.push({
      code: 'vxlan-duplicate-vni', path: at('id'), related: `${first.path}/id`,
      message: `${name} and ${first.name} in ${nsText(ns)} both have VNI ${v.id} on port ${port} over IPv${familyOfSpec(v)}: the kernel refuses the second (A VXLAN device with the specified VNI already exists)`,
      hint: 'one endpoint per VNI in a namespace; give the other a dstport of its own to keep both',
    });
  }
  out.push(...mtuFindings(model, ns, name, v, path));
  return out;
}

/** dev: an interface of this namespace (did-you-mean), not the endpoint itself nor the bridge it is a port of. */
function devFindings(model: LabModel, ns: string, name: string, v: VxlanSpec, path: string): Finding[] {
  if (v.dev === name || v.dev === v.bridge) {
    return [{ code: 'vxlan-dev-loop', path, message: `${name} can't send its packets through ${v.dev === name ? 'itself' : `${v.dev}, the bridge it is a port of`}`, hint: 'dev is the underlay: the interface toward the other endpoints' }];
  }
  const f = interfaceRef(model, ns, v.dev!, path, 'underlay');
  return f ? [f] : [];
}

/** bridge: an interface that takes ports (a bridge) in the endpoint's own namespace. */
function bridgeRef(model: LabModel, ns: string, name: string, bridge: string, path: string): Finding | undefined {
  if (model.masters.has(ifKey(ns, bridge))) return undefined;
  const elsewhere = [...model.masters.values()].find((b) => b.name === bridge);
  if (elsewhere) {
    return {
      code: 'bridge-namespace', path, related: elsewhere.path,
      message: `bridge ${JSON.stringify(bridge)} is in ${nsText(elsewhere.ns)}, but ${name} is in ${nsText(ns)}`,
      hint: `a bridge port must be in the bridge's namespace: declare a bridge ${bridge} in ${ns} (namespaces: { ${ns}: { bridges: { ${bridge}: {} } } })`,
    };
  }
  const local = ifacesOf(model, ns).filter((f) => f.ports).map((f) => f.name);
  return {
    code: 'unknown-bridge', path,
    message: `bridge ${JSON.stringify(bridge)} is not declared${didYouMean(bridge, local.length ? local : [...model.masters.values()].map((b) => b.name))}`,
    hint: `declare it under its namespace: namespaces: { ${ns}: { bridges: { ${bridge}: {} } } }`,
  };
}

/**
 * The MTU fits the underlay: at most its MTU less the headers (the kernel lowers a larger one at creation without a
 * word and refuses it later). And a warning for the other ports of its bridge whose MTU is larger than its own:
 * frames between the two sizes are dropped silently on their way into the tunnel.
 */
function mtuFindings(model: LabModel, ns: string, name: string, v: VxlanSpec, path: string): Finding[] {
  const out: Finding[] = [];
  const self = model.byKey.get(ifKey(ns, name));
  const lower = v.dev !== undefined ? model.byKey.get(ifKey(ns, v.dev)) : undefined;
  const overhead = OVERHEAD[familyOfSpec(v)];
  if (v.mtu !== undefined && lower && v.dev !== name) {
    const max = ifaceMtu(model, lower) - overhead;
    if (v.mtu > max) {
      out.push({
        code: 'vxlan-mtu', path: `${path}/mtu`,
        message: `MTU ${v.mtu} of ${name} is more than its underlay ${v.dev} can carry: ${max} (${v.dev}'s MTU ${max + overhead} less ${overhead} bytes of VXLAN over IPv${familyOfSpec(v)} headers)`,
        hint: `set mtu: ${max} or less, or give ${v.dev} an MTU of ${v.mtu + overhead} (the kernel would lower it to ${max} at creation without a word, and refuse ${v.mtu} later)`,
      });
    }
  }
  if (v.bridge === undefined || !self) return out;
  const mtu = ifaceMtu(model, self);
  const bigger = ifacesOf(model, ns).filter((f) => f.master === v.bridge && f.kind !== 'vxlan' && ifaceMtu(model, f) > mtu);
  if (bigger.length) {
    const list = bigger.slice(0, 4).map((f) => `${f.name} (${ifaceMtu(model, f)})`).join(', ') + (bigger.length > 4 ? ', ...' : '');
    out.push({
      code: 'vxlan-mtu-ports', severity: 'warning', path: `${path}/bridge`,
      message: `${name} (MTU ${mtu}) stretches bridge ${v.bridge}, whose other ports have a larger MTU: ${list}; frames larger than ${mtu} bytes from them are lost in the tunnel without an error`,
      hint: `give those ports (and the interfaces at their other end) mtu: ${mtu}${lower ? `, or raise ${v.dev}'s MTU` : ''}`,
    });
  }
  return out;
}

// Helpers shared by the kinds: ownership marks, normalised declarations, canonical addresses (of what the kernel
// prints; the file's are canonical already, see validate/canonical.ts).
import type { KindContext } from '../core/kind.js';
import type { IpLink, NsLive } from '../core/live.js';
import type { StateRecord } from '../core/state.js';
import { HOST, type Change, type Cmd, type Resource, type Topology } from '../model.js';
import { canon, networkOf, parseAddr, parseCidr, type Cidr } from '../core/ip.js';
import { claimedLink, linkClaim, nsClaim } from '../core/claims.js';

/** Does the lab own this interface? Marked by its alias, or (just created, not yet marked) by group + record. */
export function ownsLink(ctx: KindContext, ns: string, l: IpLink): boolean {
  if (l.ifalias === ctx.lab.alias) return true;
  return String(l.group) === String(ctx.lab.group) && recorded(ctx.state).links.has(`${ns}/${l.ifname}`);
}

/**
 * Is this namespace the lab's? Proven by the kernel, not by its name:
 * - the record holds its identity (taken right after this lab's `netns add` succeeded): the namespace must be that
 *   very one, marked or not yet (a crash between `netns add` and marking its `lo`);
 * - else its `lo` carries the lab's mark (a record from before identities were kept, or lost);
 * - else the record names it (an apply cut off between `netns add` and recording the identity): only while it
 *   is as `netns add` leaves it, `lo` alone and unmarked. A namespace someone else made, used or marked under a
 *   name the record lists is never the lab's.
 */
export function ownsNamespace(ctx: KindContext, live: NsLive | undefined): boolean {
  if (!live) return false;
  let byCtx = nsOwnership.get(ctx);
  if (!byCtx) nsOwnership.set(ctx, byCtx = new WeakMap());
  let owned = byCtx.get(live);
  if (owned === undefined) byCtx.set(live, owned = provenOwned(ctx, live));
  return owned;
}

const nsOwnership = new WeakMap<KindContext, WeakMap<NsLive, boolean>>();

function provenOwned(ctx: KindContext, live: NsLive): boolean {
  return namespaceProof(ctx, live) !== undefined;
}

/** How the namespace is proven the lab's (see ownsNamespace); undefined when it is not the lab's. */
export function namespaceProof(ctx: KindContext, live: NsLive): 'identity' | 'mark' | 'fresh' | undefined {
  const id = ctx.state.namespaceIds?.[live.name];
  if (id !== undefined) return live.identity === id ? 'identity' : undefined;
  if (live.links.find((l) => l.ifname === 'lo')?.ifalias === ctx.lab.alias) return 'mark';
  const fresh = recorded(ctx.state).namespaces.has(live.name) && live.links.every((l) => l.ifname === 'lo' && !l.ifalias);
  return fresh ? 'fresh' : undefined;
}

const recordSets = new WeakMap<StateRecord, { links: Set<string>; namespaces: Set<string>; hostRoutes: Set<string>; objects: Set<string> }>();

/** The state record's lists as sets (built once per record: large labs look names up in them per object). */
export function recorded(s: StateRecord) {
  let sets = recordSets.get(s);
  if (!sets) {
    recordSets.set(s, sets = {
      links: new Set(s.links), namespaces: new Set(s.namespaces), hostRoutes: new Set(s.hostRoutes), objects: new Set(s.objects ?? []),
    });
  }
  return sets;
}

export function ownedLinks(ctx: KindContext, live: NsLive, kind: string): IpLink[] {
  return live.links.filter((l) => l.linkinfo?.info_kind === kind && ownsLink(ctx, live.name, l));
}

export const ip = (ns: string, ...args: string[]): Cmd => ({ ns, tool: 'ip', args });

/** Canonical "addr/len" (the kernel's spelling). Throws on invalid input (validation catches it first). */
export function canonicalCidr(cidr: string): string {
  return memo(`c ${cidr}`, () => {
    const [a, len] = cidrOf(cidr);
    return `${canon(a)}/${len}`;
  });
}

// The same few strings (fe80::/64, default, the lab's subnets) come back in every namespace of a large lab.
const canonMemo = new Map<string, string>();
function memo(key: string, f: () => string): string {
  let v = canonMemo.get(key);
  if (v === undefined) {
    if (canonMemo.size > 20_000) canonMemo.clear();
    canonMemo.set(key, v = f());
  }
  return v;
}

function cidrOf(s: string): Cidr {
  const c = parseCidr(s);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

/** Canonical route destination: "default" (IPv4), "default6", or a CIDR; a bare address is /32 or /128. */
export function canonicalDst(to: string, family?: 4 | 6): string {
  if (to === 'default') return family === 6 ? '::/0' : '0.0.0.0/0';
  return memo(`d ${to}`, () => {
    if (to.includes('/')) return networkOf(cidrOf(to));
    const a = parseAddr(to);
    if (!a) throw new Error(`${JSON.stringify(to)} is not an address`);
    return `${canon(a)}/${a.kind() === 'ipv6' ? 128 : 32}`;
  });
}

export function familyOf(addr: string): 4 | 6 {
  return addr.includes(':') ? 6 : 4;
}

export interface NormEnd {
  ns: string; name: string; mtu?: number; mac?: string; up: boolean; master: string | null; addresses: string[]; promisc: boolean;
  /** Declared only (addrgenmode.ts). */
  addrgenmode?: string;
}

export function normEnd(e: NonNullable<Topology['veths']>[number]['ends'][number]): NormEnd {
  return {
    ns: e.namespace ?? HOST, name: e.name, mtu: e.mtu, mac: e.mac, up: e.up ?? true,
    master: e.bridge ?? null, addresses: e.addresses ?? [], promisc: e.promisc ?? false, addrgenmode: e.addrgenmode,
  };
}

export const endId = (e: { ns: string; name: string }) => `${e.ns}/${e.name}`;
export { linkClaim, nsClaim };

/**
 * Does one of these updates take interface `dev` of `ns` down, or change one of `also` (e.g. its MAC)? The kernel
 * then drops what lives on it only while it is up: its global IPv6 addresses, its static neighbours.
 */
export function linkBounced(ns: string, dev: string, updates: Change[], also: string[] = []): boolean {
  const link = linkClaim(ns, dev);
  const onLink = (r: Resource | undefined) => r !== undefined && (r.claims.includes(link) || r.parents.includes(link));
  return updates.some((u) => onLink(u.desired) && (u.fields ?? []).some(([f, , v]) => (f === 'up' && v === false) || also.includes(f)));
}

/**
 * The record of interfaces the lab creates (Kind.record): their names, from their claims, from the instant of
 * `link add` (before the alias marks them) for as long as the file declares them.
 */
export const linkRecord = {
  intent: (c: Change): Partial<StateRecord> => (c.op === 'create' ? { links: linkNames(c.desired!) } : {}),
  keep: (r: Resource): Partial<StateRecord> => ({ links: linkNames(r) }),
};
const linkNames = (r: Resource) => r.claims.map(claimedLink).filter((x): x is string => x !== undefined);

// `promisc:` of every interface the lab creates. Undeclared it is held off, as a new interface is.
declare module '../model.js' {
  interface NsBridgeSpec { promisc?: boolean }
  interface EndSpec { promisc?: boolean }
}

/**
 * Whether an interface is in promiscuous mode by the user's setting: its PROMISC flag. Never its `promiscuity`, a
 * count that includes the kernel's own users (a bridge port has 1 without the flag; a macvlan raises its parent's).
 */
export const isPromisc = (l: IpLink): boolean => (l.flags ?? []).includes('PROMISC');

/** `ip link add/set` arguments for promiscuous mode (accepted on `link add` too, before `type`). */
export const promiscArgs = (on: boolean): string[] => ['promisc', on ? 'on' : 'off'];

/** Options of `ip link add/set` shared by creation and change: mtu and MAC. */
export function linkOpts(p: { mtu?: number; mac?: string }): string[] {
  return [...(p.mtu !== undefined ? ['mtu', String(p.mtu)] : []), ...(p.mac ? ['address', p.mac] : [])];
}

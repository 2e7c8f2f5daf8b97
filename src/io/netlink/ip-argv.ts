// The `ip` commands topo emits, read back from their arguments into what each one asks of the kernel: the one
// place where the netlink engine's writes are translated from the iproute2 argv the plan holds (and prints). Pure.
// Only the shapes the kinds emit are read (every keyword as iproute2 reads it); anything else is undefined, and the
// executor runs that command through `ip` itself. So a new argument in a kind never runs wrong: it runs through ip
// until it is added here (with its test in test/unit/netlink-ip-argv.test.ts and the differential kernel test).
import { parseAddr, type Addr } from '../../core/ip.js';

/** Interface settings `ip link add` and `ip link set` share. */
export interface LinkSettings {
  mtu?: number;
  /** MAC address, as written. */
  address?: string;
  group?: number;
  /** up (true) or down (false). */
  up?: boolean;
  promisc?: boolean;
  /** master DEV (a name) or nomaster (null). */
  master?: string | null;
  alias?: string;
  addrgenmode?: AddrGenMode;
  /** netns NAME (a file of /run/netns) or PID (a number). */
  netns?: string | number;
}

export type AddrGenMode = 'eui64' | 'none' | 'stable_secret' | 'random';
export const ADDR_GEN_MODES: Readonly<Record<AddrGenMode, number>> = { eui64: 0, none: 1, stable_secret: 2, random: 3 };

/** `type KIND ...`: the kind and its data (IFLA_INFO_DATA), as typed values. */
export type LinkType =
  | { kind: 'veth'; peer: { name: string } & LinkSettings }
  | { kind: 'bridge'; options: BridgeOption[] }
  | { kind: 'macvlan'; mode?: MacvlanMode }
  | { kind: 'vxlan'; vxlan: VxlanSettings };

/** A bridge option as `ip link ... type bridge NAME VALUE` passes it (timers in hundredths of a second, as given). */
export interface BridgeOption { name: keyof typeof BRIDGE_OPTIONS; value: number }
/** The bridge options topo sets: attribute number (IFLA_BR_*) and size in bytes. */
export const BRIDGE_OPTIONS = {
  forward_delay: { attr: 1, size: 4 }, hello_time: { attr: 2, size: 4 }, max_age: { attr: 3, size: 4 }, ageing_time: { attr: 4, size: 4 },
  stp_state: { attr: 5, size: 4 }, vlan_filtering: { attr: 7, size: 1 }, mcast_snooping: { attr: 23, size: 1 },
} as const;

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
export const MACVLAN_MODES: Readonly<Record<MacvlanMode, number>> = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 };

export interface VxlanSettings {
  id?: number;
  /** remote or group: one attribute (IFLA_VXLAN_GROUP/GROUP6), as iproute2 sends both. */
  remote?: Addr;
  local?: Addr;
  /** The underlay interface, by name. */
  dev?: string;
  port?: number;
  learning?: boolean;
}

export type IpOp =
  | { op: 'link-add'; name: string; parent?: string; settings: LinkSettings; type: LinkType }
  | { op: 'link-set'; dev: string; settings: LinkSettings; type?: LinkType }
  | { op: 'link-del'; dev: string }
  | { op: 'link-del-group'; group: number }
  | { op: 'addr'; verb: 'add' | 'del'; addr: Addr; prefix: number; dev: string; nodad: boolean }
  | { op: 'route'; verb: 'add' | 'del' | 'replace'; dst: Addr; prefix: number; via?: Addr; dev?: string; metric?: number; table?: number; proto?: number }
  | { op: 'neigh'; verb: 'replace' | 'del'; addr: Addr; lladdr?: string; dev: string; proto?: number }
  | { op: 'rule'; verb: 'add' | 'del'; family: 4 | 6; priority?: number; from?: [Addr, number]; to?: [Addr, number]; iif?: string; oif?: string;
      fwmark?: number; fwmask?: number; action?: RuleAction; table?: number; goto?: number; proto?: number };

/** A rule's action when it is not a table lookup (iproute2's route types of the same numbers). */
export type RuleAction = 'blackhole' | 'unreachable' | 'prohibit';
export const RULE_ACTIONS: Readonly<Record<RuleAction, number>> = { blackhole: 6, unreachable: 7, prohibit: 8 };

/** Route protocols by the names iproute2 knows without its configuration files (rtnetlink.h). */
const PROTOS: Readonly<Record<string, number>> = { redirect: 1, kernel: 2, boot: 3, static: 4 };
const TABLES: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };

/**
 * Thrown inside parsing: the argv is not a shape this file reads (the caller gets undefined). One shared object,
 * no stack trace to capture: every `netns add` of an apply is asked.
 */
class NotRead {}
const NOT_READ = new NotRead();

/**
 * What the `ip` arguments (after `ip [-6] [-n NS]`) ask of the kernel, or undefined when they are not a shape read
 * here. `family` 6: the command has `ip -6` (only rules need it: the other shapes take the family from an address).
 */
export function readIpArgs(args: readonly string[], family?: 6): IpOp | undefined {
  try {
    const t = new Tokens(args);
    if (family === 6 && args[0] !== 'rule') return undefined;
    return args[0] === 'rule' ? rule(t, family ?? 4) : read(t);
  } catch (e) {
    if (e instanceof NotRead) return undefined;
    throw e;
  }
}

class Tokens {
  private at = 0;
  constructor(private readonly args: readonly string[]) {}
  get done(): boolean { return this.at >= this.args.length; }
  next(): string {
    if (this.done) throw NOT_READ;
    return this.args[this.at++];
  }
  expect(...words: string[]): void {
    for (const w of words) if (this.next() !== w) throw NOT_READ;
  }
  end(): void { if (!this.done) throw NOT_READ; }
}

function read(t: Tokens): IpOp {
  const object = t.next(), verb = t.next();
  if (object === 'link' && verb === 'add') return linkAdd(t);
  if (object === 'link' && verb === 'set') return linkSet(t);
  if (object === 'link' && (verb === 'del' || verb === 'delete')) {
    const which = t.next(), v = t.next();
    t.end();
    if (which === 'dev') return { op: 'link-del', dev: v };
    if (which === 'group') return { op: 'link-del-group', group: uint(v, 0xffffffff) };
    throw NOT_READ;
  }
  if ((object === 'addr' || object === 'address') && (verb === 'add' || verb === 'del')) return addr(t, verb);
  if (object === 'route' && (verb === 'add' || verb === 'del' || verb === 'replace')) return route(t, verb);
  if (object === 'neigh' && (verb === 'replace' || verb === 'del')) return neigh(t, verb);
  throw NOT_READ;
}

/** One interface setting at the tokens' head, into s; false when the word is not one. */
function setting(t: Tokens, word: string, s: LinkSettings): boolean {
  switch (word) {
    case 'mtu': s.mtu = uint(t.next(), 0xffffffff); return true;
    case 'address': s.address = mac(t.next()); return true;
    case 'group': s.group = uint(t.next(), 0xffffffff); return true;
    case 'up': s.up = true; return true;
    case 'down': s.up = false; return true;
    case 'promisc': s.promisc = onOff(t.next()); return true;
    case 'master': s.master = t.next(); return true;
    case 'nomaster': s.master = null; return true;
    case 'alias': s.alias = t.next(); return true;
    case 'addrgenmode': {
      const m = t.next();
      if (!(m in ADDR_GEN_MODES)) throw NOT_READ;
      s.addrgenmode = m as AddrGenMode;
      return true;
    }
    case 'netns': {
      const v = t.next();
      s.netns = /^\d+$/.test(v) ? Number(v) : v;
      return true;
    }
    default: return false;
  }
}

function linkAdd(t: Tokens): IpOp {
  const settings: LinkSettings = {};
  let name: string | undefined, parent: string | undefined;
  for (;;) {
    const w = t.next();
    if (w === 'type') break;
    if (w === 'name') name = t.next();
    else if (w === 'link') parent = t.next();
    else if (!setting(t, w, settings)) {
      if (name !== undefined || KEYWORDS.has(w)) throw NOT_READ;
      name = w; // `ip link add NAME`: a bare word is the name
    }
  }
  if (name === undefined || settings.alias !== undefined || settings.addrgenmode !== undefined) throw NOT_READ;
  return { op: 'link-add', name, ...(parent !== undefined ? { parent } : {}), settings, type: linkType(t, t.next(), true) };
}

function linkSet(t: Tokens): IpOp {
  t.expect('dev');
  const dev = t.next();
  const settings: LinkSettings = {};
  while (!t.done) {
    const w = t.next();
    if (w === 'type') return { op: 'link-set', dev, settings, type: linkType(t, t.next(), false) };
    if (!setting(t, w, settings)) throw NOT_READ;
  }
  return { op: 'link-set', dev, settings };
}

/** Words iproute2 reads as keywords of `ip link add`: never a bare name. */
const KEYWORDS = new Set(['dev', 'type', 'txqueuelen', 'qlen', 'numtxqueues', 'numrxqueues', 'index', 'vf', 'state', 'arp', 'dynamic', 'multicast', 'allmulticast', 'trailers', 'carrier']);

/** `type KIND ...` to the end of the arguments. */
function linkType(t: Tokens, kind: string, creating: boolean): LinkType {
  if (kind === 'veth' && creating) {
    t.expect('peer', 'name');
    const peer: { name: string } & LinkSettings = { name: t.next() };
    while (!t.done) if (!setting(t, t.next(), peer)) throw NOT_READ;
    if (peer.up !== undefined || peer.master !== undefined || peer.alias !== undefined || peer.addrgenmode !== undefined || peer.promisc !== undefined) throw NOT_READ;
    return { kind, peer };
  }
  if (kind === 'bridge') {
    const options: BridgeOption[] = [];
    while (!t.done) {
      const w = t.next();
      if (!(w in BRIDGE_OPTIONS)) throw NOT_READ;
      options.push({ name: w as BridgeOption['name'], value: uint(t.next(), 0xffffffff) });
    }
    return { kind, options };
  }
  if (kind === 'macvlan') {
    let mode: MacvlanMode | undefined;
    while (!t.done) {
      t.expect('mode');
      const m = t.next();
      if (!(m in MACVLAN_MODES)) throw NOT_READ;
      mode = m as MacvlanMode;
    }
    return { kind, ...(mode ? { mode } : {}) };
  }
  if (kind === 'vxlan') return { kind, vxlan: vxlan(t, creating) };
  throw NOT_READ;
}

function vxlan(t: Tokens, creating: boolean): VxlanSettings {
  const v: VxlanSettings = {};
  while (!t.done) {
    const w = t.next();
    if (w === 'id' || w === 'vni') v.id = uint(t.next(), 0xffffff);
    else if (w === 'remote' || w === 'group') v.remote = address(t.next());
    else if (w === 'local') v.local = address(t.next());
    else if (w === 'dev') v.dev = t.next();
    else if (w === 'dstport') v.port = uint(t.next(), 0xffff);
    else if (w === 'learning') v.learning = true;
    else if (w === 'nolearning') v.learning = false;
    else throw NOT_READ;
  }
  // iproute2 makes a VXLAN only with its VNI, and adds defaults of its own where no port is given: not read here.
  if (creating && (v.id === undefined || v.port === undefined)) throw NOT_READ;
  return v;
}

function addr(t: Tokens, verb: 'add' | 'del'): IpOp {
  const [a, prefix] = cidr(t.next(), false);
  t.expect('dev');
  const dev = t.next();
  let nodad = false;
  if (!t.done) { t.expect('nodad'); nodad = true; }
  t.end();
  return { op: 'addr', verb, addr: a, prefix, dev, nodad };
}

function route(t: Tokens, verb: 'add' | 'del' | 'replace'): IpOp {
  const [dst, prefix] = cidr(t.next(), true);
  const r: Extract<IpOp, { op: 'route' }> = { op: 'route', verb, dst, prefix };
  while (!t.done) {
    const w = t.next();
    if (w === 'via') r.via = address(t.next());
    else if (w === 'dev') r.dev = t.next();
    else if (w === 'metric') r.metric = uint(t.next(), 0xffffffff);
    else if (w === 'table') r.table = named(t.next(), TABLES);
    else if (w === 'proto') r.proto = named(t.next(), PROTOS, 0xff);
    else throw NOT_READ;
  }
  // Another family's gateway is RTA_VIA, not read here.
  if (r.via && r.via.kind() !== dst.kind()) throw NOT_READ;
  return r;
}

function neigh(t: Tokens, verb: 'replace' | 'del'): IpOp {
  const a = address(t.next());
  if (verb === 'del') {
    t.expect('dev');
    const dev = t.next();
    t.end();
    return { op: 'neigh', verb, addr: a, dev };
  }
  t.expect('lladdr');
  const lladdr = mac(t.next());
  t.expect('dev');
  const dev = t.next();
  t.expect('nud', 'permanent');
  let proto: number | undefined;
  if (!t.done) { t.expect('protocol'); proto = named(t.next(), PROTOS, 0xff); }
  t.end();
  return { op: 'neigh', verb, addr: a, lladdr, dev, ...(proto !== undefined ? { proto } : {}) };
}

function rule(t: Tokens, family: 4 | 6): IpOp {
  t.expect('rule');
  const verb = t.next();
  if (verb !== 'add' && verb !== 'del') throw NOT_READ;
  const r: Extract<IpOp, { op: 'rule' }> = { op: 'rule', verb, family };
  const selector = (s: string): [Addr, number] => {
    const c = cidr(s, false);
    if ((c[0].kind() === 'ipv4' ? 4 : 6) !== family) throw NOT_READ;
    return c;
  };
  while (!t.done) {
    const w = t.next();
    if (w === 'priority' || w === 'pref' || w === 'preference') r.priority = uint(t.next(), 0xffffffff);
    else if (w === 'from') r.from = selector(t.next());
    else if (w === 'to') r.to = selector(t.next());
    else if (w === 'iif') r.iif = t.next();
    else if (w === 'oif') r.oif = t.next();
    else if (w === 'fwmark') {
      const [mark, mask, ...rest] = t.next().split('/');
      if (rest.length) throw NOT_READ;
      r.fwmark = number(mark);
      if (mask !== undefined) r.fwmask = number(mask);
    } else if (w === 'table' || w === 'lookup') r.table = named(t.next(), TABLES);
    else if (w === 'goto') r.goto = uint(t.next(), 0xffffffff);
    else if (w === 'protocol') r.proto = named(t.next(), PROTOS, 0xff);
    else if (w in RULE_ACTIONS) r.action = w as RuleAction;
    else throw NOT_READ;
  }
  return r;
}

/** A 32-bit number as iproute2's get_u32 reads it with base 0: decimal or 0x hexadecimal (never octal here). */
function number(s: string): number {
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(s)) return parseInt(s, 16);
  if (/^0\d/.test(s)) throw NOT_READ; // octal to iproute2
  return uint(s, 0xffffffff);
}

function uint(s: string, max: number): number {
  if (!/^\d+$/.test(s)) throw NOT_READ;
  const n = Number(s);
  if (n > max) throw NOT_READ;
  return n;
}

const named = (s: string, names: Readonly<Record<string, number>>, max = 0xffffffff): number =>
  (Object.prototype.hasOwnProperty.call(names, s) ? names[s] : uint(s, max));

function onOff(s: string): boolean {
  if (s !== 'on' && s !== 'off') throw NOT_READ;
  return s === 'on';
}

function mac(s: string): string {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s)) throw NOT_READ;
  return s;
}

function address(s: string): Addr {
  const a = parseAddr(s);
  if (!a) throw NOT_READ;
  return a;
}

/** ADDR/LEN (or ADDR alone: a host's length); `default` where a route may have it. */
function cidr(s: string, routeDst: boolean): [Addr, number] {
  if (routeDst && s === 'default') throw NOT_READ; // no family: the kinds write 0.0.0.0/0 or ::/0
  const [a, len, ...rest] = s.split('/');
  if (rest.length) throw NOT_READ;
  const addrOf = address(a);
  const max = addrOf.kind() === 'ipv4' ? 32 : 128;
  return [addrOf, len === undefined ? max : uint(len, max)];
}

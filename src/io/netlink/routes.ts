// RTM_GETROUTE, RTM_GETNEIGH and RTM_GETRULE dumps decoded into what `ip -json -d` prints for `route show table all`
// (but the local table), `neigh show nud permanent` and `rule show`: the fields topo and its kinds read of them
// (io/live-shape.ts; kinds/neighbour.ts, kinds/rule.ts); and RTM_GETNSID, the nsids of `netns list` (reader.ts).
import { cstr, type NlMsg, parseAttrs, RTM, s32, u32, u32Attr, u8 } from './codec.js';
import { inetNtop, llAddr, neighStates, NUD_PERMANENT, protoName, routeTypeName, scopeName, tableName } from './names.js';
import type { Doc } from './links.js';
import { NetlinkError, type NetlinkSocket } from './socket.js';

const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, TABLE: 15, PREF: 20 };
const PREF: Record<number, string> = { 0: 'medium', 1: 'high', 3: 'low' };
/** The kernel's local table, in the header's table byte (tables above 255 have 252 there and RTA_TABLE). */
const RT_TABLE_LOCAL = 255;

/**
 * The routes of every table but the kernel's own `local` one, IPv4 and IPv6 (multicast routing's families are left
 * out: never unicast). The local table (most of a namespace's routes: its addresses, broadcast, IPv6 multicast) is
 * what every reader of `route show table all` skips (live-shape.ts routesOf, the import's unsaid routes): here it is
 * skipped before its attributes are decoded.
 */
export function routeDocs(sock: NetlinkSocket, name: (i: number) => string): Doc[] {
  const out: Doc[] = [];
  for (const m of sock.dump(RTM.GETROUTE, Buffer.alloc(12))) {
    if (m.type !== RTM.NEWROUTE) continue;
    const p = m.payload, family = p.readUInt8(0);
    if ((family !== 2 && family !== 10) || p.readUInt8(4) === RT_TABLE_LOCAL) continue;
    const dstLen = p.readUInt8(1), a = parseAttrs(p, 12), hostLen = family === 2 ? 32 : 128;
    const d: Doc = { type: routeTypeName(p.readUInt8(7)) };
    const dst = a.get(RTA.DST);
    d.dst = dst ? (dstLen !== hostLen ? `${inetNtop(dst)}/${dstLen}` : inetNtop(dst)) : dstLen ? `0/${dstLen}` : 'default';
    const gw = a.get(RTA.GATEWAY);
    if (gw) d.gateway = inetNtop(gw);
    const oif = u32(a.get(RTA.OIF));
    if (oif !== undefined) d.dev = name(oif);
    const table = u32(a.get(RTA.TABLE)) ?? p.readUInt8(4);
    if (table) d.table = tableName(table);
    d.protocol = protoName(p.readUInt8(5));
    d.scope = scopeName(p.readUInt8(6));
    const metric = u32(a.get(RTA.PRIORITY));
    if (metric !== undefined) d.metric = metric;
    const pref = u8(a.get(RTA.PREF));
    if (pref !== undefined) d.pref = PREF[pref] ?? String(pref);
    out.push(d);
  }
  return out;
}

const NDA = { DST: 1, LLADDR: 2, PROTOCOL: 12 };
const NTF_PROXY = 0x08, NTF_EXT_LEARNED = 0x10, NTF_ROUTER = 0x80;

/** `neigh show nud permanent`: permanent entries (and, as `ip` lets them through its filter, proxy and externally learned ones). */
export function neighDocs(sock: NetlinkSocket, name: (i: number) => string, hwTypeOf: (i: number) => number): Doc[] {
  const out: Doc[] = [];
  for (const m of sock.dump(RTM.GETNEIGH, Buffer.alloc(12))) {
    if (m.type !== RTM.NEWNEIGH) continue;
    const p = m.payload, family = p.readUInt8(0);
    if (family !== 2 && family !== 10) continue;
    const index = p.readInt32LE(4), state = p.readUInt16LE(8), flags = p.readUInt8(10);
    if (!(state & NUD_PERMANENT) && !(flags & (NTF_PROXY | NTF_EXT_LEARNED))) continue;
    const a = parseAttrs(p, 12), dst = a.get(NDA.DST);
    if (!dst) continue;
    const d: Doc = { dst: inetNtop(dst), dev: name(index) };
    const ll = a.get(NDA.LLADDR);
    if (ll) d.lladdr = llAddr(ll, hwTypeOf(index));
    if (flags & NTF_ROUTER) d.router = null;
    if (flags & NTF_PROXY) d.proxy = null;
    if (flags & NTF_EXT_LEARNED) d.extern_learn = null;
    d.state = neighStates(state);
    const proto = u8(a.get(NDA.PROTOCOL));
    if (proto !== undefined) d.protocol = protoName(proto);
    out.push(d);
  }
  return out;
}

const FRA = { DST: 1, SRC: 2, IIFNAME: 3, GOTO: 4, PRIORITY: 6, FWMARK: 10, FLOW: 11, TUN_ID: 12, SUPPRESS_IFGROUP: 13, SUPPRESS_PREFIXLEN: 14,
  TABLE: 15, FWMASK: 16, OIFNAME: 17, L3MDEV: 19, UID_RANGE: 20, PROTOCOL: 21, IP_PROTO: 22, SPORT_RANGE: 23, DPORT_RANGE: 24 };
/** Attributes decoded below; any other one the kernel sends is named by its number, so the rule is seen as more than topo says. */
const KNOWN_FRA = new Set([...Object.values(FRA), 18 /* FRA_PAD */]);
const FIB_RULE_INVERT = 0x2, FIB_RULE_IIF_DETACHED = 0x8, FIB_RULE_OIF_DETACHED = 0x10, FIB_RULE_UNRESOLVED = 0x4;
const FR_ACT = { TO_TBL: 1, GOTO: 2, NOP: 3 };
const hex = (n: number) => `0x${n.toString(16)}`;

/** `rule show` (`ip -6 rule show` with family 6; `ip -N`, numbers for tables, protocols and actions, with numeric): what print_rule prints, in JSON. */
export function ruleDocs(sock: NetlinkSocket, family: 4 | 6 = 4, numeric = false): Doc[] {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt8(family === 4 ? 2 : 10, 0); // AF_INET, AF_INET6
  const out: Doc[] = [];
  for (const m of sock.dump(RTM.GETRULE, fixed)) {
    if (m.type !== RTM.NEWRULE) continue;
    const p = m.payload, family = p.readUInt8(0), dstLen = p.readUInt8(1), srcLen = p.readUInt8(2), tos = p.readUInt8(3);
    const action = p.readUInt8(7), flags = p.readUInt32LE(8), a = parseAttrs(p, 12), hostLen = family === 10 ? 128 : 32;
    const d: Doc = {};
    if (flags & FIB_RULE_INVERT) d.not = null;
    d.priority = u32(a.get(FRA.PRIORITY)) ?? 0;
    const src = a.get(FRA.SRC), dst = a.get(FRA.DST);
    if (srcLen && src) { d.src = inetNtop(src); if (srcLen !== hostLen) d.srclen = srcLen; }
    else if (srcLen) { d.src = '0'; d.srclen = srcLen; }
    else d.src = 'all';
    if (dstLen && dst) { d.dst = inetNtop(dst); if (dstLen !== hostLen) d.dstlen = dstLen; }
    else if (dstLen) { d.dst = '0'; d.dstlen = dstLen; }
    if (tos) d.tos = hex(tos);
    const mark = u32(a.get(FRA.FWMARK)), mask = u32(a.get(FRA.FWMASK));
    if (mark !== undefined || mask !== undefined) {
      d.fwmark = hex(mark ?? 0);
      if (mask !== undefined && mask !== 0xffffffff) d.fwmask = hex(mask);
    }
    const iif = cstr(a.get(FRA.IIFNAME)), oif = cstr(a.get(FRA.OIFNAME));
    if (iif !== undefined) { d.iif = iif; if (flags & FIB_RULE_IIF_DETACHED) d.iif_detached = null; }
    if (oif !== undefined) { d.oif = oif; if (flags & FIB_RULE_OIF_DETACHED) d.oif_detached = null; }
    const table = u32(a.get(FRA.TABLE)) ?? p.readUInt8(4);
    if (table) {
      d.table = numeric ? String(table) : tableName(table); // `ip -N`: numbers, not names
      const spl = s32(a.get(FRA.SUPPRESS_PREFIXLEN));
      if (spl !== undefined && spl !== -1) d.suppress_prefixlen = spl;
    }
    if (action === FR_ACT.GOTO) { d.goto = u32(a.get(FRA.GOTO)) ?? 0; if (flags & FIB_RULE_UNRESOLVED) d.unresolved = null; }
    else if (action === FR_ACT.NOP) d.nop = null;
    else if (action !== FR_ACT.TO_TBL) d.action = numeric ? String(action) : routeTypeName(action);
    const proto = u8(a.get(FRA.PROTOCOL));
    if (proto !== undefined) d.protocol = numeric ? String(proto) : protoName(proto);
    // What topo never declares (l3mdev, uid ranges, ports, ip protocol, tunnel id, realms...): named, so the rule
    // reads as one topo did not make.
    for (const [type, value] of a) if (!KNOWN_FRA.has(type) || [FRA.L3MDEV, FRA.UID_RANGE, FRA.IP_PROTO, FRA.SPORT_RANGE,
      FRA.DPORT_RANGE, FRA.TUN_ID, FRA.FLOW, FRA.SUPPRESS_IFGROUP].includes(type)) d[`fra_${type}`] = value.toString('hex');
    out.push(d);
  }
  return out;
}

const NETNSA = { NSID: 1, FD: 3 };

/** The namespace's nsids (RTM_GETNSID dump). */
export function nsidList(sock: NetlinkSocket): number[] {
  return sock.dump(RTM.GETNSID, Buffer.alloc(4)).filter((m) => m.type === RTM.NEWNSID)
    .map((m) => s32(parseAttrs(m.payload, 4).get(NETNSA.NSID))).filter((n): n is number => n !== undefined && n >= 0);
}

/**
 * The nsid the socket's namespace knows the namespace of each file descriptor by, asked in one datagram: each the
 * nsid (-1: none), or the NetlinkError the kernel answered for that descriptor (EINVAL: it is no namespace).
 */
export function nsidsOfFds(sock: NetlinkSocket, fds: number[]): (number | NetlinkError)[] {
  return sock.requestAll(RTM.GETNSID, fds.map(fdBody)).map((m) => (m instanceof NetlinkError ? m : nsidOf(m)));
}

/** An RTM_GETNSID request's body: its fixed part (family 0, padded), then NETNSA_FD. */
const fdBody = (fd: number) => Buffer.concat([Buffer.alloc(4), fdAttr(fd)]);
const fdAttr = (fd: number) => u32Attr(NETNSA.FD, fd);
const nsidOf = (m: NlMsg) => s32(parseAttrs(m.payload, 4).get(NETNSA.NSID)) ?? -1;

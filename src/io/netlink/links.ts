// RTM_GETLINK and RTM_GETADDR dumps decoded into what `ip -json -d addr show` (or `link show`) prints, for the fields
// topo reads of it (io/live-shape.ts): index, name, flags, mtu, group, master, link/link_index/link_netnsid, address,
// alias, linkinfo (info_kind, and the info_data keys of INFO_DATA that the kinds read), addr_info.
import { type Attrs, cstr, parseAttrs, type NlMsg, RTM, s32, u32, u8, u32Attr } from './codec.js';
import { groupName, inetNtop, isUp, linkFlags, llAddr, scopeName } from './names.js';
import type { NetlinkSocket } from './socket.js';

const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINK: 5, MASTER: 10, LINKINFO: 18, IFALIAS: 20, AF_SPEC: 26, GROUP: 27, EXT_MASK: 29, LINK_NETNSID: 37 };
const INFO = { KIND: 1, DATA: 2 };
const RTEXT_FILTER_SKIP_STATS = 1 << 3;
const IFA = { ADDRESS: 1, LOCAL: 2 };

/** The info_data keys decoded per kind (those the kinds read: bridge options, VXLAN endpoints, macvlan mode). */
export const INFO_DATA: Readonly<Record<string, readonly string[]>> = {
  bridge: ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'vlan_filtering', 'topology_change', 'mcast_snooping'],
  vxlan: ['id', 'group', 'remote', 'group6', 'remote6', 'local', 'local6', 'link', 'learning', 'port'],
  macvlan: ['mode'],
};

export interface RawLink { index: number; type: number; flags: number; attrs: Attrs }

export type Doc = Record<string, unknown>;

/** Every interface of the socket's namespace: RTM_GETLINK dump (no statistics). */
export function dumpLinks(sock: NetlinkSocket): RawLink[] {
  const fixed = Buffer.alloc(16); // ifinfomsg, family AF_UNSPEC
  return sock.dump(RTM.GETLINK, fixed, [u32Attr(IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS)]).filter((m) => m.type === RTM.NEWLINK).map(rawLink);
}

function rawLink(m: NlMsg): RawLink {
  const p = m.payload;
  return { type: p.readUInt16LE(2), index: p.readInt32LE(4), flags: p.readUInt32LE(8), attrs: parseAttrs(p, 16) };
}

/** Every address of the namespace (IPv4 then IPv6, each interface's in the kernel's order), by interface index. */
export function dumpAddrs(sock: NetlinkSocket): Map<number, Doc[]> {
  const out = new Map<number, Doc[]>();
  for (const m of sock.dump(RTM.GETADDR, Buffer.alloc(8))) {
    if (m.type !== RTM.NEWADDR) continue;
    const p = m.payload, family = p.readUInt8(0), a = parseAttrs(p, 8);
    const local = a.get(IFA.LOCAL) ?? a.get(IFA.ADDRESS);
    if (!local || (family !== 2 && family !== 10)) continue;
    const index = p.readUInt32LE(4);
    const doc: Doc = { family: family === 2 ? 'inet' : 'inet6', local: inetNtop(local), prefixlen: p.readUInt8(1), scope: scopeName(p.readUInt8(3)) };
    (out.get(index) ?? out.set(index, []).get(index)!).push(doc);
  }
  return out;
}

/** Interface names by index, as ll_index_to_name gives them ("if7" for an index the namespace doesn't have). */
export function linkNames(links: RawLink[]): (i: number) => string {
  const byIndex = new Map(links.map((l) => [l.index, l]));
  return (i) => { const l = byIndex.get(i); return (l && cstr(l.attrs.get(IFLA.IFNAME))) ?? `if${i}`; };
}

/** `ip -json -d link show` (addrs undefined) or `addr show` documents, from the dumps; `only`: one interface by name. */
export function linkDocs(links: RawLink[], addrs?: Map<number, Doc[]>, only?: string): Doc[] {
  const byIndex = new Map(links.map((l) => [l.index, l]));
  const name = linkNames(links);
  const out: Doc[] = [];
  for (const l of links) {
    const a = l.attrs, ifname = cstr(a.get(IFLA.IFNAME));
    if (ifname === undefined || (only !== undefined && ifname !== only)) continue;
    const d: Doc = { ifindex: l.index, ifname };
    const iflink = u32(a.get(IFLA.LINK)), netnsid = s32(a.get(IFLA.LINK_NETNSID));
    let masterDown = false;
    if (iflink !== undefined && iflink !== 0) {
      if (netnsid !== undefined) d.link_index = iflink;
      else { d.link = name(iflink); const peer = byIndex.get(iflink); masterDown = peer !== undefined && !isUp(peer.flags); }
    }
    d.flags = linkFlags(l.flags, masterDown);
    const mtu = u32(a.get(IFLA.MTU));
    if (mtu !== undefined) d.mtu = mtu;
    const master = u32(a.get(IFLA.MASTER));
    if (master !== undefined) d.master = name(master);
    const group = u32(a.get(IFLA.GROUP));
    if (group !== undefined) d.group = groupName(group);
    const addr = a.get(IFLA.ADDRESS);
    if (addr) d.address = llAddr(addr, l.type);
    if (netnsid !== undefined) d.link_netnsid = netnsid;
    const alias = a.get(IFLA.IFALIAS);
    if (alias) d.ifalias = cstr(alias);
    const info = a.get(IFLA.LINKINFO);
    if (info) d.linkinfo = linkInfo(parseAttrs(info), name);
    if (addrs) d.addr_info = addrs.get(l.index) ?? [];
    else {
      // `ip -d link show` (not `addr show`) prints the IPv6 link-local mode (kinds/addrgenmode.ts reads it).
      const mode = addrGenMode(a.get(IFLA.AF_SPEC));
      if (mode !== undefined) d.inet6_addr_gen_mode = mode;
    }
    out.push(d);
  }
  return out;
}

/** IFLA_AF_SPEC -> AF_INET6 -> IFLA_INET6_ADDR_GEN_MODE, named as ip names it. */
const ADDR_GEN_MODES: Record<number, string> = { 0: 'eui64', 1: 'none', 2: 'stable_secret', 3: 'random' };
const AF_INET6 = 10, IFLA_INET6_ADDR_GEN_MODE = 8;
function addrGenMode(spec: Buffer | undefined): string | undefined {
  const inet6 = spec && parseAttrs(spec).get(AF_INET6);
  const mode = inet6 && u8(parseAttrs(inet6).get(IFLA_INET6_ADDR_GEN_MODE));
  return mode === undefined ? undefined : ADDR_GEN_MODES[mode] ?? String(mode);
}

function linkInfo(info: Attrs, name: (i: number) => string): Doc {
  const kind = cstr(info.get(INFO.KIND));
  const out: Doc = kind !== undefined ? { info_kind: kind } : {};
  const data = info.get(INFO.DATA);
  const decode = kind !== undefined ? DATA[kind] : undefined;
  if (data && decode) out.info_data = decode(parseAttrs(data), name);
  return out;
}

const IFLA_BR: [string, number, (b: Buffer | undefined) => number | undefined][] = [['forward_delay', 1, u32], ['hello_time', 2, u32],
  ['max_age', 3, u32], ['ageing_time', 4, u32], ['stp_state', 5, u32], ['vlan_filtering', 7, u8], ['topology_change', 14, u8], ['mcast_snooping', 23, u8]];
const MACVLAN_MODES: Record<number, string> = { 1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source' };
const VX = { ID: 1, GROUP: 2, LINK: 3, LOCAL: 4, LEARNING: 7, PORT: 15, GROUP6: 16, LOCAL6: 17 };

const zero = (b: Buffer) => b.every((x) => x === 0);

const DATA: Record<string, (a: Attrs, name: (i: number) => string) => Doc> = {
  bridge(a) {
    const out: Doc = {};
    for (const [key, type, read] of IFLA_BR) { const v = read(a.get(type)); if (v !== undefined) out[key] = v; }
    return out;
  },
  macvlan(a) {
    const mode = u32(a.get(1));
    return mode === undefined ? {} : { mode: MACVLAN_MODES[mode] ?? 'unknown' };
  },
  vxlan(a, name) {
    const out: Doc = {};
    const id = u32(a.get(VX.ID));
    if (id !== undefined) out.id = id;
    const g4 = a.get(VX.GROUP), g6 = a.get(VX.GROUP6);
    if (g4 && g4.length === 4) { if (!zero(g4)) out[g4[0] >= 224 && g4[0] <= 239 ? 'group' : 'remote'] = inetNtop(g4); }
    else if (g6 && g6.length === 16 && !zero(g6)) out[g6[0] === 0xff ? 'group6' : 'remote6'] = inetNtop(g6);
    const l4 = a.get(VX.LOCAL), l6 = a.get(VX.LOCAL6);
    if (l4 && l4.length === 4) { if (!zero(l4)) out.local = inetNtop(l4); }
    else if (l6 && l6.length === 16 && !zero(l6)) out.local6 = inetNtop(l6);
    const link = u32(a.get(VX.LINK));
    if (link) out.link = name(link);
    const learning = u8(a.get(VX.LEARNING));
    if (learning !== undefined) out.learning = learning !== 0;
    const port = a.get(VX.PORT);
    if (port && port.length >= 2) out.port = port.readUInt16BE(0);
    return out;
  },
};


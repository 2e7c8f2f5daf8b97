// What `ip` sends the kernel for each command of ip-argv.ts: the rtnetlink request (message type, flags, fixed header,
// attributes), built the way iproute2 builds it (ip/iplink.c, ipaddress.c, iproute.c, ipneigh.c, iplink_vxlan.c), so
// that a request makes the kernel state the `ip` command makes (test/integration/netlink-write.test.ts proves it shape
// by shape). Names are looked up through `Lookups` (the writer asks the kernel); the rest is pure.
import type { Addr } from '../../core/ip.js';
import { encodeAttr, RTM, u32Attr } from './codec.js';
import { ADDR_GEN_MODES, BRIDGE_OPTIONS, type IpOp, type LinkSettings, type LinkType, MACVLAN_MODES, RULE_ACTIONS } from './ip-argv.js';

export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
const RTM_DELLINK = 17, RTM_DELADDR = 21, RTM_DELROUTE = 25, RTM_DELNEIGH = 29;

const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINK: 5, MASTER: 10, LINKINFO: 18, NET_NS_PID: 19, IFALIAS: 20, AF_SPEC: 26, GROUP: 27, NET_NS_FD: 28 };
const IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1, IFLA_MACVLAN_MODE = 1;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const VXLAN = { ID: 1, GROUP: 2, LINK: 3, LOCAL: 4, LEARNING: 7, PORT: 15, GROUP6: 16, LOCAL6: 17 };
const IFF_UP = 0x1, IFF_PROMISC = 0x100;
const AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_F_NODAD = 0x2;
const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, TABLE: 15 };
const RTN_UNICAST = 1, RT_TABLE_UNSPEC = 0, RT_TABLE_MAIN = 254, RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254, RT_SCOPE_NOWHERE = 255;
const NDA_DST = 1, NDA_LLADDR = 2, NDA_PROTOCOL = 12, NUD_PERMANENT = 0x80;
const RTM_NEWRULE = 32, RTM_DELRULE = 33, FR_ACT_TO_TBL = 1, FR_ACT_GOTO = 2;
const FRA = { DST: 1, SRC: 2, IIFNAME: 3, GOTO: 4, PRIORITY: 6, FWMARK: 10, TABLE: 15, FWMASK: 16, OIFNAME: 17, PROTOCOL: 21 };

/** What the writer resolves for a request: names of this namespace's interfaces, and namespaces to move into. */
export interface Lookups {
  /** The interface's index in the request's namespace; throws the error `ip` gives when there is none. */
  ifindex(name: string): number;
  /** An open file of /run/netns/NAME (closed by the writer after the request); throws as `ip` would. */
  netnsFd(name: string): number;
}

export interface Request { type: number; flags: number; fixed: Buffer; attrs: Buffer[] }

/** The request for one command (its ack asked for: every request is checked on its own). */
export function requestOf(op: IpOp, look: Lookups): Request {
  const r = build(op, look);
  return { ...r, flags: r.flags | NLM_F_ACK };
}

function build(op: IpOp, look: Lookups): Request {
  switch (op.op) {
    case 'link-add': {
      const attrs = [str0(IFLA.IFNAME, op.name), ...(op.parent !== undefined ? [u32Attr(IFLA.LINK, look.ifindex(op.parent))] : []),
        ...linkAttrs(op.settings, look), linkInfo(op.type, look, true)];
      return { type: RTM.NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, fixed: ifinfo(0, op.settings), attrs };
    }
    case 'link-set': {
      const index = look.ifindex(op.dev);
      const attrs = [...linkAttrs(op.settings, look), ...(op.type ? [linkInfo(op.type, look, false)] : [])];
      return { type: RTM.NEWLINK, flags: 0, fixed: ifinfo(index, op.settings), attrs };
    }
    case 'link-del': return { type: RTM_DELLINK, flags: 0, fixed: ifinfo(look.ifindex(op.dev), {}), attrs: [] };
    case 'link-del-group': return { type: RTM_DELLINK, flags: 0, fixed: ifinfo(0, {}), attrs: [u32Attr(IFLA.GROUP, op.group)] };
    case 'addr': {
      const fixed = Buffer.alloc(8);
      fixed.writeUInt8(familyOf(op.addr), 0);
      fixed.writeUInt8(op.prefix, 1);
      fixed.writeUInt8(op.nodad ? IFA_F_NODAD : 0, 2);
      // iproute2's default scope: host for 127/8, else global; a deletion says none.
      fixed.writeUInt8(op.verb === 'add' && op.addr.kind() === 'ipv4' && op.addr.toByteArray()[0] === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE, 3);
      fixed.writeUInt32LE(look.ifindex(op.dev), 4);
      const bytes = Buffer.from(op.addr.toByteArray());
      return { type: op.verb === 'add' ? RTM.NEWADDR : RTM_DELADDR, flags: op.verb === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0, fixed,
        attrs: [encodeAttr(IFA_LOCAL, bytes), encodeAttr(IFA_ADDRESS, bytes)] };
    }
    case 'route': return route(op, look);
    case 'rule': return rule(op);
    case 'neigh': {
      const fixed = Buffer.alloc(12);
      fixed.writeUInt8(familyOf(op.addr), 0);
      fixed.writeInt32LE(look.ifindex(op.dev), 4);
      fixed.writeUInt16LE(NUD_PERMANENT, 8);
      const attrs = [encodeAttr(NDA_DST, Buffer.from(op.addr.toByteArray())), ...(op.lladdr ? [encodeAttr(NDA_LLADDR, macBytes(op.lladdr))] : []),
        ...(op.proto !== undefined ? [u8Attr(NDA_PROTOCOL, op.proto)] : [])];
      return op.verb === 'del' ? { type: RTM_DELNEIGH, flags: 0, fixed, attrs }
        : { type: RTM.NEWNEIGH, flags: NLM_F_CREATE | NLM_F_REPLACE, fixed, attrs };
    }
  }
}

function route(op: Extract<IpOp, { op: 'route' }>, look: Lookups): Request {
  const del = op.verb === 'del';
  const fixed = Buffer.alloc(12);
  const v6 = op.dst.kind() === 'ipv6';
  fixed.writeUInt8(familyOf(op.dst), 0);
  fixed.writeUInt8(op.prefix, 1);
  const table = op.table ?? RT_TABLE_MAIN;
  fixed.writeUInt8(table < 256 ? table : RT_TABLE_UNSPEC, 4);
  fixed.writeUInt8(op.proto ?? (del ? 0 : RTPROT_BOOT), 5);
  // iproute2's scope: IPv6 universe; an IPv4 deletion nowhere; an IPv4 route without a gateway link.
  fixed.writeUInt8(v6 ? RT_SCOPE_UNIVERSE : del ? RT_SCOPE_NOWHERE : op.via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK, 6);
  fixed.writeUInt8(del ? 0 : RTN_UNICAST, 7);
  const attrs = [encodeAttr(RTA.DST, Buffer.from(op.dst.toByteArray())),
    ...(op.via ? [encodeAttr(RTA.GATEWAY, Buffer.from(op.via.toByteArray()))] : []),
    ...(op.dev !== undefined ? [u32Attr(RTA.OIF, look.ifindex(op.dev))] : []),
    ...(op.metric !== undefined ? [u32Attr(RTA.PRIORITY, op.metric)] : []),
    ...(table >= 256 ? [u32Attr(RTA.TABLE, table)] : [])];
  const flags = op.verb === 'add' ? NLM_F_CREATE | NLM_F_EXCL : op.verb === 'replace' ? NLM_F_CREATE | NLM_F_REPLACE : 0;
  return { type: del ? RTM_DELROUTE : RTM.NEWROUTE, flags, fixed, attrs };
}

/** A policy rule as iproute2's iprule_modify builds it: a new lookup rule looks up main unless it says otherwise. */
function rule(op: Extract<IpOp, { op: 'rule' }>): Request {
  const add = op.verb === 'add';
  const fixed = Buffer.alloc(12);
  fixed.writeUInt8(op.family === 4 ? AF_INET : AF_INET6, 0);
  fixed.writeUInt8(op.to?.[1] ?? 0, 1);
  fixed.writeUInt8(op.from?.[1] ?? 0, 2);
  // iproute2 6.1 puts main in a new rule only when it looks a table up (not for goto, blackhole, ...).
  const table = op.table ?? (add && !op.action && op.goto === undefined ? RT_TABLE_MAIN : 0);
  fixed.writeUInt8(table < 256 ? table : RT_TABLE_UNSPEC, 4);
  fixed.writeUInt8(op.action ? RULE_ACTIONS[op.action] : op.goto !== undefined ? FR_ACT_GOTO : add ? FR_ACT_TO_TBL : 0, 7);
  const attrs = [
    ...(op.from ? [encodeAttr(FRA.SRC, Buffer.from(op.from[0].toByteArray()))] : []),
    ...(op.to ? [encodeAttr(FRA.DST, Buffer.from(op.to[0].toByteArray()))] : []),
    ...(op.priority !== undefined ? [u32Attr(FRA.PRIORITY, op.priority)] : []),
    ...(op.fwmark !== undefined ? [u32Attr(FRA.FWMARK, op.fwmark)] : []),
    ...(op.fwmask !== undefined ? [u32Attr(FRA.FWMASK, op.fwmask)] : []),
    ...(table >= 256 ? [u32Attr(FRA.TABLE, table)] : []),
    ...(op.iif !== undefined ? [str0(FRA.IIFNAME, op.iif)] : []),
    ...(op.oif !== undefined ? [str0(FRA.OIFNAME, op.oif)] : []),
    ...(op.goto !== undefined ? [u32Attr(FRA.GOTO, op.goto)] : []),
    ...(op.proto !== undefined ? [u8Attr(FRA.PROTOCOL, op.proto)] : []),
  ];
  return { type: add ? RTM_NEWRULE : RTM_DELRULE, flags: add ? NLM_F_CREATE | NLM_F_EXCL : 0, fixed, attrs };
}

/** struct ifinfomsg: the interface's index (0 when creating) and the flags the settings change (up, promisc). */
function ifinfo(index: number, s: LinkSettings): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  let flags = 0, change = 0;
  if (s.up !== undefined) { change |= IFF_UP; if (s.up) flags |= IFF_UP; }
  if (s.promisc !== undefined) { change |= IFF_PROMISC; if (s.promisc) flags |= IFF_PROMISC; }
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

function linkAttrs(s: LinkSettings, look: Lookups): Buffer[] {
  const out: Buffer[] = [];
  if (s.mtu !== undefined) out.push(u32Attr(IFLA.MTU, s.mtu));
  if (s.address !== undefined) out.push(encodeAttr(IFLA.ADDRESS, macBytes(s.address)));
  if (s.group !== undefined) out.push(u32Attr(IFLA.GROUP, s.group));
  if (s.master !== undefined) out.push(u32Attr(IFLA.MASTER, s.master === null ? 0 : look.ifindex(s.master)));
  if (s.alias !== undefined) out.push(encodeAttr(IFLA.IFALIAS, Buffer.from(s.alias, 'utf8'))); // no NUL, as ip sends it
  if (s.addrgenmode !== undefined) {
    const inet6 = encodeAttr(AF_INET6, u8Attr(IFLA_INET6_ADDR_GEN_MODE, ADDR_GEN_MODES[s.addrgenmode]));
    out.push(encodeAttr(IFLA.AF_SPEC, inet6));
  }
  if (s.netns !== undefined) out.push(typeof s.netns === 'number' ? u32Attr(IFLA.NET_NS_PID, s.netns) : u32Attr(IFLA.NET_NS_FD, look.netnsFd(s.netns)));
  return out;
}

/** IFLA_LINKINFO: the kind, and its data as iproute2's link_util for that kind puts it. */
function linkInfo(t: LinkType, look: Lookups, creating: boolean): Buffer {
  const data = (attrs: Buffer[]) => (attrs.length ? [encodeAttr(IFLA_INFO_DATA, Buffer.concat(attrs))] : []);
  const kind = encodeAttr(IFLA_INFO_KIND, Buffer.from(t.kind, 'utf8'));
  switch (t.kind) {
    case 'veth': {
      const { name, ...settings } = t.peer;
      const peer = Buffer.concat([ifinfo(0, {}), str0(IFLA.IFNAME, name), ...linkAttrs(settings, look)]);
      return encodeAttr(IFLA.LINKINFO, Buffer.concat([kind, ...data([encodeAttr(VETH_INFO_PEER, peer)])]));
    }
    case 'bridge': {
      const attrs = t.options.map(({ name, value }) => {
        const o = BRIDGE_OPTIONS[name];
        return o.size === 1 ? u8Attr(o.attr, value) : u32Attr(o.attr, value);
      });
      return encodeAttr(IFLA.LINKINFO, Buffer.concat([kind, ...data(attrs)]));
    }
    case 'macvlan':
      return encodeAttr(IFLA.LINKINFO, Buffer.concat([kind, ...data(t.mode ? [u32Attr(IFLA_MACVLAN_MODE, MACVLAN_MODES[t.mode])] : [])]));
    case 'vxlan': {
      const v = t.vxlan, attrs: Buffer[] = [];
      if (v.dev !== undefined) attrs.push(u32Attr(VXLAN.LINK, look.ifindex(v.dev)));
      if (v.id !== undefined) attrs.push(u32Attr(VXLAN.ID, v.id));
      if (v.local) attrs.push(addrAttr(v.local, VXLAN.LOCAL, VXLAN.LOCAL6));
      if (v.remote) attrs.push(addrAttr(v.remote, VXLAN.GROUP, VXLAN.GROUP6));
      // iproute2 sends learning on every creation (on unless nolearning), and on a change only when given.
      if (creating || v.learning !== undefined) attrs.push(u8Attr(VXLAN.LEARNING, v.learning === false ? 0 : 1));
      if (v.port) { const p = Buffer.alloc(2); p.writeUInt16BE(v.port); attrs.push(encodeAttr(VXLAN.PORT, p)); }
      return encodeAttr(IFLA.LINKINFO, Buffer.concat([kind, ...data(attrs)]));
    }
  }
}

const familyOf = (a: Addr) => (a.kind() === 'ipv4' ? AF_INET : AF_INET6);
const addrAttr = (a: Addr, v4: number, v6: number) => encodeAttr(a.kind() === 'ipv4' ? v4 : v6, Buffer.from(a.toByteArray()));
const u8Attr = (type: number, v: number) => encodeAttr(type, Buffer.from([v]));
/** A string attribute with its NUL (as iproute2 sends names). */
const str0 = (type: number, s: string) => encodeAttr(type, Buffer.from(`${s}\0`, 'utf8'));
const macBytes = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

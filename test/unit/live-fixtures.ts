// Small hand-built kernel snapshots (the shape `ip -json -d` prints) for unit tests of the pure core.
import { labIdentity } from '../../src/core/lab.js';
import type { KindContext } from '../../src/core/kind.js';
import type { IpLink, IpRoute, LiveSnapshot, NsLive } from '../../src/core/live.js';
import { emptyState, type StateRecord } from '../../src/core/state.js';

export const LAB = 'lab';
export const ALIAS = `topo:${LAB}`;

export function ctxOf(state: Partial<StateRecord> = {}, lab = LAB): KindContext {
  return { lab: labIdentity(lab), state: { ...emptyState(lab), ...state } };
}

export const lo = (alias = ALIAS): IpLink => ({ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, ifalias: alias || undefined });

/** One end of a veth pair, owned by the lab unless alias is ''. peerNsid: the nsid of the peer's namespace as seen from here. */
export function veth(ifname: string, ifindex: number, peerIndex: number, peerNsid?: number, o: Partial<IpLink> = {}): IpLink {
  return {
    ifindex, ifname, link_index: peerIndex, ...(peerNsid === undefined ? {} : { link_netnsid: peerNsid }),
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, address: `02:00:00:00:00:${ifindex.toString(16).padStart(2, '0')}`,
    ifalias: ALIAS, linkinfo: { info_kind: 'veth' }, addr_info: [], ...o,
  };
}

export function bridge(ifname: string, ifindex: number, o: Partial<IpLink> = {}): IpLink {
  return { ifindex, ifname, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, address: '02:00:00:00:01:00',
    ifalias: ALIAS, linkinfo: { info_kind: 'bridge' }, addr_info: [], ...o };
}

export const v4 = (cidr: string) => { const [local, len] = cidr.split('/'); return { family: 'inet', local, prefixlen: Number(len), scope: 'global' }; };
export const v6 = (cidr: string) => { const [local, len] = cidr.split('/'); return { family: 'inet6', local, prefixlen: Number(len), scope: 'global' }; };

export function ns(name: string, links: IpLink[], o: { routes?: IpRoute[]; nsids?: Record<number, string>; sysctls?: Record<string, string> } = {}): NsLive {
  return { name, links, routes: o.routes ?? [], nsids: o.nsids ?? {}, sysctls: o.sysctls ?? {} };
}

/** A snapshot of the host and the given namespaces (all of which exist in /run/netns). */
export function snapshot(host: NsLive, ...others: NsLive[]): LiveSnapshot {
  return { netns: others.map((n) => n.name), ns: Object.fromEntries([host, ...others].map((n) => [n.name, n])) };
}

export const emptyHost = () => ns('host', [lo('')]);

// The live snapshot the kernel would show once the star lab is built, synthesised (no kernel): lets the benchmark
// time a no-op plan of a large lab in the pure core. Shapes follow `ip -json -d addr show` / `route show`.
import type { IpLink, IpRoute, LiveSnapshot, NsLive } from '../src/core/live.js';
import type { LabIdentity } from '../src/model.js';
import { addrOf, BRIDGE, BRIDGE_ADDR, hostEnd, nsEnd, nsOf, PREFIX } from './star.js';

const inet = (local: string, prefixlen: number) => ({ family: 'inet', local, prefixlen, scope: 'global' });
const lo = (alias?: string): IpLink => ({ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, group: 'default',
  ...(alias ? { ifalias: alias } : {}), addr_info: [inet('127.0.0.1', 8)] });

export function starLive(n: number, lab: LabIdentity): LiveSnapshot {
  const group = String(lab.group);
  const up = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
  const hostNsids: Record<number, string> = {};
  const host: NsLive = {
    name: 'host', sysctls: {}, nsids: hostNsids,
    links: [lo(), { ifindex: 2, ifname: BRIDGE, flags: up, mtu: 1500, address: '02:00:00:00:00:01', group, ifalias: lab.alias,
      linkinfo: { info_kind: 'bridge' }, addr_info: [inet(BRIDGE_ADDR, PREFIX)] }],
    routes: [{ dst: `10.0.0.0/${PREFIX}`, dev: BRIDGE, protocol: 'kernel', scope: 'link' }],
  };
  const out: LiveSnapshot = { netns: [], ns: { host } };
  for (let i = 1; i <= n; i++) {
    const ns = nsOf(i);
    hostNsids[i - 1] = ns;
    host.links.push({ ifindex: 2 + i, ifname: hostEnd(i), flags: up, mtu: 1500, master: BRIDGE, group, ifalias: lab.alias,
      link_index: 2, link_netnsid: i - 1, linkinfo: { info_kind: 'veth' }, addr_info: [] });
    const routes: IpRoute[] = [
      { dst: 'default', gateway: BRIDGE_ADDR, dev: nsEnd(i), protocol: '241' },
      { dst: `10.0.0.0/${PREFIX}`, dev: nsEnd(i), protocol: 'kernel', scope: 'link' },
    ];
    out.netns.push(ns);
    out.ns[ns] = {
      name: ns, sysctls: {}, routes, // nsids not read: pairing through the host's needs none
      links: [lo(lab.alias), { ifindex: 2, ifname: nsEnd(i), flags: up, mtu: 1500, group, ifalias: lab.alias, link_index: 2 + i,
        link_netnsid: 0, linkinfo: { info_kind: 'veth' }, addr_info: [inet(addrOf(i), PREFIX)] }],
    };
  }
  return out;
}

/** What `readLive` returns before anything exists: the host with only its `lo`. */
export function emptyLive(): LiveSnapshot {
  return { netns: [], ns: { host: { name: 'host', links: [lo()], routes: [], sysctls: {}, nsids: {} } } };
}

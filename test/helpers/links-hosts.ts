// What the links tests (test/integration/hosts-links-*.test.ts) read on a simulated host over ssh
// (test/helpers/hosts.ts): the host's kernel state to compare before and after, and pings from its namespaces.
import type { SimHosts } from './hosts.js';

interface Link { ifname: string; master?: string; ifalias?: string; mtu: number; addr_info?: { local: string; prefixlen: number; scope: string }[] }
interface Route { dst: string; gateway?: string; dev: string; protocol?: string }

/** A host's namespaces, root links (alias, master, MTU, addresses), routes, forwarding and nft tables, read over ssh. */
export async function hostState(sim: SimHosts, host: string) {
  const alias = new Map((await sim.ipJson<Link[]>(host, 'link', 'show')).map((l) => [l.ifname, l.ifalias]));
  const links = (await sim.ipJson<Link[]>(host, 'addr', 'show')).map((l) => ({
    ifname: l.ifname, master: l.master, ifalias: alias.get(l.ifname), mtu: l.mtu,
    addrs: (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
  })).sort((a, b) => a.ifname.localeCompare(b.ifname));
  const routes = (await sim.ipJson<Route[]>(host, 'route', 'show')).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev} ${r.protocol ?? ''}`).sort();
  const netns = (await sim.ipJson<{ name: string }[]>(host, 'netns', 'list')).map((n) => n.name).sort();
  const forward = (await sim.ssh(host, ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim();
  const tables = (await sim.ssh(host, ['nft', 'list', 'tables'])).stdout.trim();
  return { links, routes, netns, forward, tables };
}

/** Does one ping from namespace `ns` of `host` to `address` get its answer (`extra`: more ping options)? */
export async function pingsFrom(sim: SimHosts, host: string, ns: string, address: string, extra: string[] = []): Promise<boolean> {
  const r = await sim.ssh(host, ['ip', 'netns', 'exec', ns, 'ping', '-n', '-q', '-c', '1', '-W', '2', ...extra, address]);
  return /1 packets transmitted, 1 received/.test(r.stdout);
}

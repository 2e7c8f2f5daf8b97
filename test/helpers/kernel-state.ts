// Everything the kernel shows inside a sandbox, read with `ip -json` (plus nft and sysctl) in one nsenter call:
// per namespace its links (kind, state, MTU, master, alias, group, addresses), routes of every table, nftables
// ruleset and the network sysctls a lab may change. Values that the kernel picks anew each time (ifindex, netnsid,
// IPv6 link-local addresses, MAC addresses unless asked for) are left out, so two runs that built the same thing
// compare equal.
import { bridgeCarrierPending, fe80Routes, LINK_WORK_PENDING, linkWorkPending, readUntilSettled, type NsRead } from './link-work.js';
import type { Sandbox } from './sandbox.js';

export interface LinkState {
  ifname: string; kind: string; up: boolean; carrier: boolean; mtu: number; master?: string; alias?: string; group?: string;
  peer?: string; mac?: string; addrs: string[];
}
export interface NsState { links: LinkState[]; routes: string[]; nft: unknown; sysctls: Record<string, string> }
export type KernelState = Record<string, NsState>;

// Per namespace: one `ip -batch` for links and routes (-d, for the link kinds, also makes ip print a route's default
// protocol and scope: routeState drops those, as ip without -d does), then nft, and a shell that lists the interfaces
// whose IPv6 is off and runs sysctl, each entered with nsenter (lighter than `ip netns exec`, which also makes a mount
// namespace and remounts /sys).
const SCRIPT = `
for ns in host $(ls /run/netns); do
  if [ "$ns" = host ]; then n=""; x=""; else n="-n $ns"; x="nsenter --net=/run/netns/$ns"; fi
  echo "@ns $ns"
  printf 'addr show\\nroute show table all\\n' | ip $n -d -json -batch -
  if command -v nft >/dev/null; then $x nft -j list ruleset 2>/dev/null || echo '{}'; else echo '{}'; fi; echo
  $x sh -c 'printf @v6off; for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do read v < "$f"; [ "$v" = 1 ] && printf " %s" "$f"; done; echo
    sysctl net.ipv4.ip_forward net.ipv4.conf.all net.ipv4.conf.default net.ipv6.conf.all net.ipv6.conf.default 2>/dev/null || true'
done
`;

/**
 * The kernel's state once it has settled. Some of it follows a change by a moment: an IPv6 address's local route
 * is added by the kernel's addrconf work, which waits behind the teardown of deleted namespaces (seconds on a busy
 * machine); a deleted namespace's veth peers go the same way; a link's carrier (LOWER_UP) follows its peer's, a
 * bridge's its ports' (the kernel's link-watch work); a link with carrier gets its IPv6 link-local address and that
 * address its fe80::/64 route. So the state is read until none of these is pending and two reads agree (up to 30 s:
 * a settled state returns at once, and on a loaded machine the kernel's work can lag far behind).
 */
export async function kernelState(sb: Sandbox, opts: { mac?: boolean } = {}): Promise<KernelState> {
  const settled = await readUntilSettled('kernelState', 30_000, () => readOnce(sb, opts), (now, last) =>
    (!last ? 'read once only' : now.key !== last.key ? 'two reads in a row differ'
      : pendingLocalRoutes(now.state) ? 'an IPv6 address on a link with carrier has no local route' : now.pending));
  return settled.state;
}

/** An IPv6 address on an up link whose local route the kernel has not added yet. */
function pendingLocalRoutes(s: KernelState): boolean {
  return Object.values(s).some((n) => n.links.some((l) => l.carrier && l.addrs.some((a) => a.includes(':')
    && !n.routes.some((r) => r.startsWith(`local local ${a.split('/')[0]} `)))));
}

/**
 * One read: the state, its JSON (two reads agree when theirs do) and the kernel's link-watch or addrconf work seen
 * still pending in it, in words ('' when none).
 */
async function readOnce(sb: Sandbox, opts: { mac?: boolean }): Promise<{ state: KernelState; key: string; pending: string }> {
  const r = await sb.run(['sh', '-c', SCRIPT]);
  if (r.exitCode !== 0) throw new Error(`reading the sandbox failed: ${r.stderr}`);
  const out: KernelState = {};
  const all: NsRead[] = [];
  let pending = '';
  for (const block of r.stdout.split(/^@ns /m).slice(1)) {
    const [head, links, routes, nft, v6off, ...sysctlLines] = block.split('\n').filter((l) => l.trim() !== '');
    const raw = JSON.parse(links) as any[], rawRoutes = JSON.parse(routes) as any[];
    if (bridgeCarrierPending(raw)) pending = `a bridge in ${head.trim()} whose carrier is not its ports'`;
    all.push({ raw, fe80Routes: fe80Routes(rawRoutes),
      v6off: new Set(v6off.replace(/^@v6off/, '').trim().split(/\s+/).filter(Boolean).map((f) => f.split('/')[6])) });
    out[head.trim()] = {
      links: raw.map((l) => linkState(l, opts)).sort((a, b) => a.ifname.localeCompare(b.ifname)),
      // Local routes of IPv6 link-local addresses follow the (random) MAC and appear a moment after link up. The
      // kernel's own subnet-router anycast routes (type anycast) follow an IPv6 address and the forwarding sysctl in
      // an order-dependent way: seen once left behind after an apply killed in its rollback, which had set forwarding
      // back and forth while br0's address came and went; the address and the sysctl themselves are compared.
      routes: rawRoutes.filter((r) => !(r.table === 'local' && (String(r.dst).startsWith('fe80:') || r.type === 'anycast')))
        .map(routeState).sort(),
      nft: stripNftMeta(JSON.parse(nft)),
      sysctls: Object.fromEntries(sysctlLines.filter((l) => !l.includes('stable_secret')).map((l) => l.split(' = '))
        .map(([k, v]) => [k, (v ?? '').trim()])),
    };
  }
  if (linkWorkPending(all)) pending = LINK_WORK_PENDING;
  return { state: out, key: JSON.stringify(out), pending };
}

function linkState(l: any, opts: { mac?: boolean }): LinkState {
  return {
    ifname: l.ifname, kind: l.linkinfo?.info_kind ?? l.link_type, up: (l.flags ?? []).includes('UP'), mtu: l.mtu,
    carrier: (l.flags ?? []).includes('LOWER_UP'),
    master: l.master, alias: l.ifalias, group: l.group, peer: l.link, ...(opts.mac ? { mac: l.address } : {}),
    addrs: (l.addr_info ?? []).filter((a: any) => !(a.family === 'inet6' && a.scope === 'link'))
      .map((a: any) => `${a.local}/${a.prefixlen}`).sort(),
  };
}

function routeState(r: any): string {
  // What ip prints only with -d: the default protocol (boot) and scope (global), as ip without -d shows them.
  const protocol = r.protocol === 'boot' ? '' : r.protocol ?? '', scope = r.scope === 'global' ? '' : r.scope ?? '';
  return [r.table ?? 'main', r.type ?? 'unicast', r.dst, r.gateway ?? '', r.dev ?? '', protocol, r.metric ?? '', scope, r.prefsrc ?? '']
    .join(' ');
}

function stripNftMeta(x: any): unknown {
  return Array.isArray(x?.nftables) ? x.nftables.filter((o: any) => !o.metainfo) : [];
}

/** The state without the given namespaces. */
export function withoutNamespaces(s: KernelState, drop: string[]): KernelState {
  return Object.fromEntries(Object.entries(s).filter(([ns]) => !drop.includes(ns)));
}

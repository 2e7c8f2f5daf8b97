// A host firewall that will drop the lab's traffic in the host namespace, said at apply and test time (Docker
// hosts: Docker sets its FORWARD chain's policy to drop and loads br_netfilter, so bridged and routed lab traffic
// through the host vanishes without a word; containerlab #781, #839).
//
// Checked only when the lab has something in the host namespace that forwards or bridges:
// - it bridges: the file declares a bridge in the host namespace;
// - it forwards: the file declares an interface in the host namespace (a bridge, a veth end, a macvlan, a VXLAN
//   endpoint) and the host forwards IPv4 or IPv6 (net.ipv4.ip_forward, net.ipv4.conf.all.forwarding or
//   net.ipv6.conf.all.forwarding is 1 in the file's host sysctls or in the kernel now).
// Then, in the host namespace:
// - nftables (one `nft -j list chains`, in-process with the netlink engine: io/host-nft.ts): a base chain on the
//   `forward` hook with policy drop in a table that is no lab's (not topo-*): of family ip, ip6 or inet when the lab
//   forwards, or when it bridges and br_netfilter passes bridged traffic to those hooks (below); of family bridge
//   when it bridges;
// - br_netfilter: /proc/sys/net/bridge/bridge-nf-call-iptables (or -ip6tables) is 1 when the lab bridges: bridged
//   frames then go through the IP forward hooks, nftables' (above) and iptables' FORWARD chain.
// - iptables-legacy (the x_tables backend): its rules are invisible to nft, only whether its tables are in use is
//   known (/proc/net/ip_tables_names, ip6_tables_names). A legacy `filter` table in use is said when the lab's
//   traffic passes it (forwarded, or bridged with br_netfilter on): topo can't tell whether it drops.
// The nftables chains' rules are not read: a drop policy with a rule that accepts the lab's traffic is still
// reported (the message says "that none of its rules accepts").
// The check runs before the apply (and before `topo test`), so the warning comes first.
import { readFileSync } from 'node:fs';
import type { Runner } from '../io/runner.js';
import { runHostNft } from '../io/host-nft.js';
import { bridgesOf, HOST, type Topology } from '../model.js';
import { KINDS } from '../kinds/index.js';

export type FirewallCode = 'host-forward-drop' | 'host-br-netfilter' | 'host-iptables-legacy' | 'host-firewall-unread';
export interface FirewallWarning { code: FirewallCode; message: string; hint: string }

/** What the lab has in the host namespace that the host's firewall sees. */
export interface HostExposure { bridges: string[]; interfaces: string[]; forwarding: boolean }

const FORWARDING = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv6.conf.all.forwarding'];
const procPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

/** A base chain as `nft -j list chains` prints it. */
export interface NftChain { family: string; table: string; name: string; hook?: string; policy?: string }

/** The lab's bridges and interfaces in the host namespace, and whether the host forwards (declared or now). */
export function hostExposure(topo: Topology, procSys: (path: string) => string): HostExposure {
  const ifaces = KINDS.flatMap((k) => k.interfaces?.(topo) ?? []).filter((i) => i.ns === HOST);
  const bridges = new Set(bridgesOf(topo).filter((b) => b.ns === HOST).map((b) => b.name));
  const declared = (topo.namespaces?.[HOST] as { sysctls?: Record<string, unknown> } | undefined)?.sysctls ?? {};
  const on = (key: string) => String(declared[key] ?? '') === '1' || readOr(procSys, procPath(key)) === '1';
  return {
    bridges: ifaces.filter((i) => bridges.has(i.name)).map((i) => i.name),
    interfaces: ifaces.map((i) => i.name),
    forwarding: ifaces.length > 0 && FORWARDING.some(on),
  };
}

const readOr = (procSys: (path: string) => string, path: string): string | undefined => {
  try { return procSys(path).trim(); } catch { return undefined; }
};

/** The chains of `nft -j list chains` output (JSON), base chains only. */
export function chainsOf(doc: unknown): NftChain[] {
  const items = (doc as { nftables?: unknown[] } | undefined)?.nftables ?? [];
  return items.flatMap((x) => {
    const c = (x as { chain?: Record<string, unknown> }).chain;
    return c && typeof c.name === 'string' && typeof c.table === 'string' && typeof c.family === 'string'
      ? [{ family: c.family, table: c.table, name: c.name, ...(typeof c.hook === 'string' ? { hook: c.hook } : {}), ...(typeof c.policy === 'string' ? { policy: c.policy } : {}) }]
      : [];
  });
}

/** br_netfilter's switches in the host namespace: undefined when the module is not loaded (no such files). */
export function brNetfilter(procSys: (path: string) => string): { iptables: boolean; ip6tables: boolean } | undefined {
  const v4 = readOr(procSys, '/proc/sys/net/bridge/bridge-nf-call-iptables');
  const v6 = readOr(procSys, '/proc/sys/net/bridge/bridge-nf-call-ip6tables');
  if (v4 === undefined && v6 === undefined) return undefined;
  return { iptables: v4 === '1', ip6tables: v6 === '1' };
}

/**
 * The iptables-legacy (x_tables) tables in use in the host namespace, e.g. ["filter"]: /proc/net/ip_tables_names
 * and ip6_tables_names. Their rules are invisible to nft; only their existence is known. (iptables-nft's tables
 * are nftables tables: `nft list chains` shows them.)
 */
export function legacyTables(procSys: (path: string) => string): string[] {
  const names = (file: string, v: string) => (readOr(procSys, `/proc/net/${file}`) ?? '').split('\n').filter(Boolean).map((t) => `${v} ${t}`);
  return [...names('ip_tables_names', 'iptables'), ...names('ip6_tables_names', 'ip6tables')];
}

export interface HostFirewall { chains: NftChain[]; brnf: ReturnType<typeof brNetfilter>; legacy: string[] }

/** The warnings, from what was read (pure: the unit tests give it fixtures). */
export function firewallWarnings(lab: string, x: HostExposure, { chains, brnf, legacy }: HostFirewall): FirewallWarning[] {
  const out: FirewallWarning[] = [];
  const bridged = x.bridges.length > 0;
  const brnfOn = Boolean(brnf && (brnf.iptables || brnf.ip6tables));
  const ifs = (x.bridges.length ? x.bridges : x.interfaces);
  const sandbox = `or run the lab where no host firewall sees it: topo sandbox FILE`;
  for (const c of chains) {
    if (c.hook !== 'forward' || c.policy !== 'drop' || /^topo-/.test(c.table)) continue;
    // br_netfilter passes bridged IPv4 frames to the ip (and inet) hooks when bridge-nf-call-iptables is 1, IPv6
    // ones to the ip6 (and inet) hooks when bridge-nf-call-ip6tables is.
    const passed = Boolean(brnf && (c.family === 'ip' ? brnf.iptables : c.family === 'ip6' ? brnf.ip6tables : c.family === 'inet' && brnfOn));
    const ipFamily = ['ip', 'ip6', 'inet'].includes(c.family);
    const hits = c.family === 'bridge' ? bridged : ipFamily && (x.forwarding || (bridged && passed));
    if (!hits) continue;
    const what = c.family === 'bridge' ? `bridged traffic on ${x.bridges.join(', ')}`
      : [x.forwarding && 'traffic the host routes', bridged && passed && `bridged traffic on ${x.bridges.join(', ')} (br_netfilter passes it to this hook)`].filter(Boolean).join(' and ');
    const accept = ifs.map((i) => `nft insert rule ${c.family} ${c.table} ${c.name} iifname ${i} accept; nft insert rule ${c.family} ${c.table} ${c.name} oifname ${i} accept`).join('; ');
    const docker = c.family !== 'bridge' && c.table === 'filter' && c.name === 'FORWARD'
      ? `; on a Docker host use its DOCKER-USER chain instead: ${ifs.map((i) => `iptables -I DOCKER-USER -i ${i} -j ACCEPT; iptables -I DOCKER-USER -o ${i} -j ACCEPT`).join('; ')}` : '';
    out.push({ code: 'host-forward-drop',
      message: `lab "${lab}": the host firewall's chain ${c.family} ${c.table} ${c.name} (hook forward, policy drop) drops ${what} that none of its rules accepts: the lab's traffic through the host namespace may never arrive`,
      hint: `accept the lab's interfaces before the drop: ${accept}${docker}; ${sandbox}` });
  }
  // iptables-legacy's rules can't be read: said when its tables exist and the lab's traffic passes them.
  const legacyFilter = legacy.filter((t) => / filter$/.test(t));
  if (bridged && brnfOn && legacyFilter.length) {
    const which = [brnf!.iptables && 'bridge-nf-call-iptables', brnf!.ip6tables && 'bridge-nf-call-ip6tables'].filter(Boolean).join(' and ');
    out.push({ code: 'host-br-netfilter',
      message: `lab "${lab}": br_netfilter is loaded with net.bridge.${which} = 1: frames bridged by ${x.bridges.join(', ')} go through the host's iptables FORWARD chain, and iptables-legacy tables are in use (${legacyFilter.join(', ')}) whose rules nft can't show: a drop there (Docker's FORWARD policy) drops them`,
      hint: `sysctl -w ${[brnf!.iptables && 'net.bridge.bridge-nf-call-iptables=0', brnf!.ip6tables && 'net.bridge.bridge-nf-call-ip6tables=0'].filter(Boolean).join(' ')} (for this network namespace: Docker's own containers lose their bridge filtering), or accept the bridges in Docker's DOCKER-USER chain: ${x.bridges.map((b) => `iptables -I DOCKER-USER -i ${b} -o ${b} -j ACCEPT`).join('; ')}; ${sandbox}` });
  }
  if (x.forwarding && legacyFilter.length && !(bridged && brnfOn)) {
    out.push({ code: 'host-iptables-legacy',
      message: `lab "${lab}": the host forwards the lab's traffic and iptables-legacy tables are in use (${legacyFilter.join(', ')}), whose rules nft can't show: topo can't tell whether their FORWARD chain drops it`,
      hint: `check: iptables-legacy -S FORWARD (a policy -P FORWARD DROP drops what no rule accepts); on a Docker host accept the lab's interfaces in DOCKER-USER: ${x.interfaces.map((i) => `iptables -I DOCKER-USER -i ${i} -j ACCEPT`).join('; ')}; ${sandbox}` });
  }
  return out;
}

/**
 * The host firewall's warnings for this lab: nothing read unless the lab forwards or bridges in the host namespace
 * (see above); then one `nft -j list chains` (in-process with the netlink engine; with the command, nothing listed
 * when nft is not installed: no rules to list) and four files.
 */
export async function checkHostFirewall(topo: Topology, run: Runner, procSys = (path: string) => readFileSync(path, 'utf8')): Promise<FirewallWarning[]> {
  const x = hostExposure(topo, procSys);
  if (!x.bridges.length && !x.forwarding) return [];
  const argv = ['nft', '-j', 'list', 'chains'];
  const r = await runHostNft(run, argv.slice(1));
  let chains: NftChain[] = [];
  const unread: FirewallWarning[] = [];
  const cant = (why: string) => unread.push({ code: 'host-firewall-unread', message: `lab "${topo.name}": the host firewall's forward chains could not be checked: ${argv.join(' ')}: ${why}`, hint: 'check them by hand: nft list chains' });
  if (r.exitCode === 0) {
    try { chains = chainsOf(JSON.parse(r.stdout || '{}')); } catch { cant('its output is not JSON'); }
  } else if (r.exitCode !== 127) cant(r.stderr.trim() || `exit ${r.exitCode}`); // 127: no nft here, no nftables rules to list
  return [...unread, ...firewallWarnings(topo.name, x, { chains, brnf: brNetfilter(procSys), legacy: legacyTables(procSys) })];
}

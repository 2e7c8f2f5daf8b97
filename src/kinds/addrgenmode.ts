// `addrgenmode:` of a veth end or a bridge: how the kernel makes the interface's IPv6 link-local address when it
// comes up — iproute2's `ip link set dev X addrgenmode MODE` (systemd-networkd's IPv6LinkLocalAddressGenerationMode=,
// nmstate's ipv6 addr-gen-mode). `none` gives it no link-local address, and with none no IPv6 start-up traffic
// (duplicate address detection, router solicitations, MLD reports): on a bridge of many ports, which floods every
// such frame to every other port, that traffic grows with the square of the ports (docs/performance.md). IPv4 is
// unaffected. Declared only: undeclared, an interface keeps whatever mode its namespace's
// net.ipv6.conf.default.addr_gen_mode gives it, never compared (topo never changes IPv6 behaviour unasked).
//
// Kernel facts (measured, 6.x, iproute2 6.1): the mode can't be given on `link add` (the interface's IPv6 state
// doesn't exist yet: "Address family not supported by protocol"); given on the same `link set` as `up`, it applies
// before the interface comes up; changed on an interface that already has its link-local address, the address stays
// until the interface next goes down and up. Read back as `inet6_addr_gen_mode` of `ip -d -json link show`
// (/proc/sys/net/ipv6/conf/X/addr_gen_mode: 0 eui64, 1 none, 2 stable_secret, 3 random), which `ip -d addr show`,
// topo's own read of the interfaces, doesn't print: READ joins each namespace's read batch (no process of its own).
import type { IpRead, NsLive } from '../core/live.js';
import { bridgesOf, type Topology } from '../model.js';

/**
 * The modes the file may declare. stable_secret is left out: it needs the namespace's stable_secret sysctl set
 * first (the kernel refuses it otherwise), which a lab declares through sysctls, not here.
 */
export const ADDRGENMODES = ['eui64', 'none', 'random'] as const;
export type AddrGenMode = (typeof ADDRGENMODES)[number];

declare module '../model.js' {
  interface NsBridgeSpec { addrgenmode?: AddrGenMode }
  interface EndSpec { addrgenmode?: AddrGenMode }
}

/** The read (one line, one document per namespace), in the reads of a file that declares a mode (Kind.ipReadsFor). */
export const READ: IpRead = { name: 'link-detail', line: 'link show' };

/** READ when the file declares a mode on any interface; other labs' reads stay as they were. */
export function addrGenModeReads(topo: Topology): IpRead[] {
  const declared = bridgesOf(topo).some((b) => b.spec.addrgenmode !== undefined)
    || (topo.veths ?? []).some((v) => v.ends.some((e) => e.addrgenmode !== undefined));
  return declared ? [READ] : [];
}

const modes = new WeakMap<NsLive, Map<string, string>>();

/**
 * The mode of interface `ifname` of a namespace read, as the kernel prints it; undefined where it prints none (a
 * kernel without IPv6) or the namespace was read without READ (destroy's shallow reads).
 */
export function liveAddrGenMode(n: NsLive, ifname: string): string | undefined {
  let m = modes.get(n);
  if (!m) {
    modes.set(n, m = new Map());
    const doc = n.ipDocs?.[READ.name];
    for (const x of Array.isArray(doc) ? doc : []) {
      const l = x as { ifname?: unknown; inet6_addr_gen_mode?: unknown } | null;
      if (typeof l?.ifname === 'string' && typeof l.inet6_addr_gen_mode === 'string') m.set(l.ifname, l.inet6_addr_gen_mode);
    }
  }
  return m.get(ifname);
}

/** `ip link set` arguments giving the mode (none when undeclared). */
export const addrGenModeArgs = (mode: string | undefined): string[] => (mode === undefined ? [] : ['addrgenmode', mode]);

/** [field, live, desired] when a declared mode differs from the one the kernel prints (not compared where it prints none). */
export function compareAddrGenMode(desired: string | undefined, live: string | undefined): [string, unknown, unknown][] {
  return desired !== undefined && live !== undefined && desired !== live ? [['addrgenmode', live, desired]] : [];
}

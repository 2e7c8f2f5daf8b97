// The kernel's work that follows a change by a moment, seen in `ip -d -json addr show` and the routes of each
// namespace: a link's carrier (LOWER_UP) follows its peer's coming up, a bridge's its ports' (the kernel's
// link-watch work; bridges are judged by kernelState only), and a link with carrier gets its IPv6 link-local
// address, and that address its fe80::/64 route and, once duplicate address detection is done (no longer
// tentative), its route in the local table (addrconf). Tests that compare two reads of the kernel read again while
// any of it is pending (kernel-state.ts, Sandbox.snapshot).

/** One namespace as read: its links (`ip -d -json addr show`), the links with a main fe80::/64 route, those with IPv6 off. */
export interface NsRead { raw: any[]; fe80Routes: Set<string>; v6off?: Set<string> }

const flags = (l: any): string[] => l?.flags ?? [];
const up = (l: any) => flags(l).includes('UP'), carrier = (l: any) => flags(l).includes('LOWER_UP');

/** What linkWorkPending found, in words. */
export const LINK_WORK_PENDING = "a link without its peer's carrier, or its IPv6 link-local address or route";

export function linkWorkPending(all: NsRead[]): boolean {
  const paired = all.flatMap((n) => n.raw.filter((l) => l.link !== undefined || l.link_index !== undefined).map((l) => ({ n, l })));
  // A veth's other end: by name in the same namespace, else one of the links elsewhere whose index and peer index
  // mirror its own — indexes are per namespace, so two pairs can mirror alike (the host's 2@if3 to a namespace's 3,
  // and that namespace's 2@if3 to a third's 3), and without the namespaces' ids the match is one of them. A
  // macvlan's or vxlan's parent doesn't point back: not a pair.
  const peersOf = (n: NsRead, l: any): any[] => (l.link_index === undefined ? n.raw.filter((p) => p.ifname === l.link && p.link === l.ifname)
    : paired.filter((v) => v.n !== n && v.l.ifindex === l.link_index && v.l.link_index === l.ifindex).map((v) => v.l));
  // Pending only when its peer is surely up: every link that may be its peer is (one down among them may be it).
  const carrierPending = paired.some(({ n, l }) => {
    if (!up(l) || carrier(l)) return false;
    const peers = peersOf(n, l);
    return peers.length > 0 && peers.every(up);
  });
  const linkLocalPending = all.some((n) => n.raw.some((l) => {
    // No IPv6 at all: switched off, no link-local asked for, or an MTU below IPv6's minimum (the kernel then has none).
    if (l.link_type !== 'ether' || !up(l) || !carrier(l) || n.v6off?.has(l.ifname) || l.inet6_addr_gen_mode === 'none' || l.mtu < 1280) return false;
    // Tentative until duplicate address detection is done (1-2 s), and only then given its local route; one that
    // failed it stays tentative, and settled.
    const linkLocal = (l.addr_info ?? []).some((a: any) => a.family === 'inet6' && a.scope === 'link' && (!a.tentative || a.dadfailed));
    return !linkLocal || !n.fe80Routes.has(l.ifname);
  }));
  return carrierPending || linkLocalPending;
}

/**
 * An up bridge without STP that doesn't yet show the carrier its ports give it (on when one of its ports is up with
 * carrier, as the ports forward at once): the kernel sets it a moment later (its link-watch work). A bridge without
 * ports is settled either way: a new one has carrier until its first port comes (`UP,LOWER_UP`, operstate UNKNOWN,
 * on this kernel, 6.18), one whose ports have all left has none.
 */
export function bridgeCarrierPending(raw: any[]): boolean {
  return raw.some((l) => {
    if (l.linkinfo?.info_kind !== 'bridge' || l.linkinfo?.info_data?.stp_state !== 0 || !up(l)) return false;
    const ports = raw.filter((p) => p.master === l.ifname);
    return ports.length > 0 && carrier(l) !== ports.some((p) => up(p) && carrier(p));
  });
}

/**
 * A read of the sandbox once the kernel's follow-up work is done: `read` again every 50 ms while `pending` names
 * what is still pending in it (given the read before it too, undefined at first), up to `limitMs`. Still pending
 * then: said on stderr (which the test run prints) as `who`'s, and the last read is compared as it is — a wrong idea
 * of the kernel here (once a bridge without ports, once two veth pairs whose indexes mirror alike) must show, not
 * hang the suite.
 */
export async function readUntilSettled<T>(who: string, limitMs: number, read: () => Promise<T>,
  pending: (now: T, last: T | undefined) => string): Promise<T> {
  let last: T | undefined;
  for (const t0 = Date.now(); ;) {
    const now = await read();
    const why = pending(now, last);
    if (!why) return now;
    if (Date.now() - t0 > limitMs) {
      console.warn(`${who}: the sandbox's kernel state did not settle in ${limitMs / 1000} s (${why}); compared as last read`);
      return now;
    }
    last = now;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The links that have their main-table fe80::/64 route, from `ip -json route show table all`. */
export const fe80Routes = (routes: any[]): Set<string> =>
  new Set(routes.filter((r) => (r.table ?? 'main') === 'main' && r.dst === 'fe80::/64' && r.dev).map((r) => r.dev as string));

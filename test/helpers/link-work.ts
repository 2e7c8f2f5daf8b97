// The kernel's work that follows a change by a moment, seen in `ip -d -json addr show` and the routes of each
// namespace: a link's carrier (LOWER_UP) follows its peer's coming up (the kernel's link-watch work), and a link
// with carrier gets its IPv6 link-local address, and that address its fe80::/64 route and, once duplicate address
// detection is done (no longer tentative), its route in the local table (addrconf). Tests that compare two reads of
// the kernel read again while any of it is pending (kernel-state.ts, Sandbox.snapshot).

/** One namespace as read: its links (`ip -d -json addr show`), the links with a main fe80::/64 route, those with IPv6 off. */
export interface NsRead { raw: any[]; fe80Routes: Set<string>; v6off?: Set<string> }

export function linkWorkPending(all: NsRead[]): boolean {
  const flags = (l: any): string[] => l?.flags ?? [];
  const up = (l: any) => flags(l).includes('UP'), carrier = (l: any) => flags(l).includes('LOWER_UP');
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

/** The links that have their main-table fe80::/64 route, from `ip -json route show table all`. */
export const fe80Routes = (routes: any[]): Set<string> =>
  new Set(routes.filter((r) => (r.table ?? 'main') === 'main' && r.dst === 'fe80::/64' && r.dev).map((r) => r.dev as string));

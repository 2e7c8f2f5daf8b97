// Interface addresses the kernel refuses, drops or shows differently than declared (so a lab would never verify),
// and host addresses that are not really hosts' (network, broadcast). Pure.
import type { Finding } from '../core/finding.js';
import { canon, isLinkLocal6, rangeOf, toNum, type Cidr } from '../core/ip.js';
import type { Iface, LabIndex } from './lab-index.js';

/** IPv6 needs an MTU of at least this many bytes (RFC 8200): the kernel disables IPv6 on an interface below it. */
const IPV6_MIN_MTU = 1280;

export function addressFindings(ix: LabIndex): Finding[] {
  const out: Finding[] = [];
  for (const f of ix.ifaces) {
    for (const a of f.addresses) if (a.cidr) unusable(f, a.cidr, a.path, out);
    const v6 = f.addresses.find((a) => a.cidr?.[0].kind() === 'ipv6');
    if (v6 && f.mtu !== undefined && f.mtu < IPV6_MIN_MTU) {
      out.push({
        code: 'mtu-too-small-for-ipv6', path: `${f.base}/mtu`, related: v6.path,
        message: `MTU ${f.mtu} of ${f.name} is below ${IPV6_MIN_MTU}, the minimum for IPv6, but ${f.name} has IPv6 address ${v6.text}`,
        hint: `the kernel refuses IPv6 addresses on such an interface (and removes them when the MTU drops): use an MTU of ${IPV6_MIN_MTU} or more, or IPv4 only`,
      });
    }
  }
  return out;
}

function unusable(f: Iface, [a, len]: Cidr, path: string, out: Finding[]): void {
  const text = `${canon(a)}/${len}`;
  const n = toNum(a);
  if (n === 0 || n === 0n) {
    out.push({
      code: 'unusable-address', path,
      message: `${text} on ${f.name}: ${canon(a)} is the unspecified address ("any"), not an address an interface can have`,
      hint: a.kind() === 'ipv6' ? 'the kernel refuses it' : 'the kernel takes it, but shows no such address, so the lab would never verify',
    });
    return;
  }
  if (len === 0) {
    out.push({
      code: 'prefix-zero', severity: 'warning', path,
      message: `${text} on ${f.name}: prefix length /0 makes every address on-link (the kernel adds a default route through ${f.name})`,
      hint: 'give the subnet\'s real prefix length, and a default route for the rest',
    });
    return;
  }
  if (isLinkLocal6(a)) {
    out.push({
      code: 'link-local-address', path,
      message: `${text} on ${f.name} is an IPv6 link-local address: the kernel gives every interface one of its own, and topo leaves them alone (it would never verify)`,
      hint: 'use a unique local address (fd00::/8) or a global one; a link-local gateway can still be used with "via" and "dev"',
    });
    return;
  }
  const { fam, lo, hi } = rangeOf([a, len]);
  if (fam === 4 && len <= 30 && (n === lo || n === hi)) {
    out.push({
      code: 'network-address', severity: 'warning', path,
      message: `${text} on ${f.name} is the ${n === lo ? 'network' : 'broadcast'} address of its subnet, not a host address`,
      hint: `hosts of ${canon(a)}/${len} are the addresses between the first and the last of the subnet`,
    });
  } else if (fam === 6 && len <= 126 && n === lo) {
    out.push({
      code: 'network-address', severity: 'warning', path,
      message: `${text} on ${f.name} is the subnet-router anycast address of its subnet (all host bits zero), not a host address`,
      hint: 'use an address with a host part, e.g. ::1 in the subnet',
    });
  }
}


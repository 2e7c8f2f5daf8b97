// Checks per L2 segment (interfaces on one wire, like the two ends of a veth pair, or a bridge with its ports): an address used twice on
// one segment (each would answer for the other: a ping "passes" by answering itself), an address on a bridge port
// (the bridge takes the port's traffic), and subnets of one namespace that overlap across two segments. Pure.
import { nsText } from '../core/lab-model.js';
import type { Finding } from '../core/finding.js';
import { canon, rangeOf } from '../core/ip.js';
import { ifKey, type Iface, type LabIndex } from './lab-index.js';

/** The segment of every interface (index in ix.ifaces → segment id) and a name for each segment. */
export function segmentsOf(ix: LabIndex): { seg: number[]; name: Map<number, string> } {
  const parent = ix.ifaces.map((_, i) => i);
  const find = (i: number): number => { while (parent[i] !== i) i = parent[i] = parent[parent[i]]; return i; };
  const join = (a: number, b: number) => { parent[find(a)] = find(b); };
  const at = new Map(ix.ifaces.map((f, i) => [f, i]));
  const onWire = new Map<string, number>();
  const onLower = new Map<string, number>();
  ix.ifaces.forEach((f, i) => {
    if (f.wire !== undefined) {
      const other = onWire.get(f.wire.id);
      if (other === undefined) onWire.set(f.wire.id, i); else join(i, other);
    }
    const master = f.master !== undefined ? ix.masters.get(ifKey(f.ns, f.master)) : undefined;
    if (master) join(i, at.get(master)!);
    if (f.lower !== undefined) {
      const k = ifKey(f.lower.ns, f.lower.name);
      const lower = ix.byKey.get(k);
      if (lower) join(i, at.get(lower)!);
      const other = onLower.get(k);
      if (other === undefined) onLower.set(k, i); else join(i, other);
    }
  });
  const seg = ix.ifaces.map((_, i) => find(i));
  const name = new Map<number, string>();
  ix.ifaces.forEach((f, i) => {
    if (f.ports) name.set(seg[i], `${f.role} ${f.name} and its ports`);
    else if (!name.has(seg[i]) && f.wire) name.set(seg[i], `the two ends of a ${f.wire.label} pair`);
  });
  ix.ifaces.forEach((f, i) => {
    if (f.lower === undefined) return;
    const named = name.get(seg[i]);
    if (named === undefined) name.set(seg[i], `the interfaces stacked on ${f.lower.name}`);
    else if (!named.includes(' stacked on ')) name.set(seg[i], `${named}, and the interfaces stacked on them`);
  });
  return { seg, name };
}

export function segmentFindings(ix: LabIndex): Finding[] {
  const out: Finding[] = [];
  const { seg, name } = segmentsOf(ix);
  const seen = new Map<string, { f: Iface; path: string }>();
  ix.ifaces.forEach((f, i) => {
    if (f.master !== undefined && f.addresses.length) {
      out.push({
        code: 'bridge-port-address', severity: 'warning', path: f.addresses[0].path,
        message: `${f.name} is a port of bridge ${f.master}: the bridge takes the traffic arriving on it, so its address ${f.addresses[0].text} won't answer`,
        hint: `put the address on bridge ${f.master} instead`,
      });
    }
    for (const a of f.addresses) {
      if (!a.cidr) continue;
      const key = `${seg[i]}|${canon(a.cidr[0])}`;
      const first = seen.get(key);
      if (!first) { seen.set(key, { f, path: a.path }); continue; }
      if (first.f.ns === f.ns) continue; // one namespace: reported as duplicate-address
      out.push({
        code: 'duplicate-address-on-link', path: a.path, related: first.path,
        message: `address ${canon(a.cidr[0])} is also on ${first.f.name} in ${nsText(first.f.ns)}, on the same link (${name.get(seg[i])}): each would answer for the other`,
        hint: 'every interface of a link needs its own address (a ping from one to the other would only reach itself)',
      });
    }
  });
  overlaps(ix, seg, out);
  return out;
}

/** Subnets of one namespace on two different segments that overlap (one contains the other): a warning each. */
function overlaps(ix: LabIndex, seg: number[], out: Finding[]): void {
  type Net = { fam: 4 | 6; lo: number | bigint; hi: number | bigint; seg: number; f: Iface; text: string; path: string };
  // Namespaces with addresses on one segment only (most of a large lab's) have nothing to compare.
  const segsOf = new Map<string, Set<number>>();
  ix.ifaces.forEach((f, i) => { if (f.addresses.length) (segsOf.get(f.ns) ?? segsOf.set(f.ns, new Set()).get(f.ns)!).add(seg[i]); });
  const byNs = new Map<string, Net[]>();
  ix.ifaces.forEach((f, i) => {
    if ((segsOf.get(f.ns)?.size ?? 0) < 2) return;
    for (const a of f.addresses) {
      if (!a.cidr || a.cidr[1] === (a.cidr[0].kind() === 'ipv4' ? 32 : 128)) continue; // a host route only
      const list = byNs.get(f.ns) ?? byNs.set(f.ns, []).get(f.ns)!;
      list.push({ ...rangeOf(a.cidr), seg: seg[i], f, text: a.text, path: a.path });
    }
  });
  for (const [ns, nets] of byNs) {
    // Subnets nest or don't meet: sorted by start (the wider first), each one's containers are on a stack.
    nets.sort((a, b) => a.fam - b.fam || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0) || (a.hi > b.hi ? -1 : a.hi < b.hi ? 1 : 0));
    const open: Net[] = [];
    for (const n of nets) {
      while (open.length && (open[open.length - 1].fam !== n.fam || open[open.length - 1].hi < n.lo)) open.pop();
      let other: Net | undefined;
      for (let k = open.length - 1; k >= 0 && !other; k--) if (open[k].seg !== n.seg) other = open[k];
      if (other) {
        out.push({
          code: 'overlapping-subnets', severity: 'warning', path: n.path, related: other.path,
          message: `subnet of ${n.text} on ${n.f.name} overlaps that of ${other.text} on ${other.f.name}, another link of ${nsText(ns)}: traffic for the overlap leaves by one of them only`,
          hint: 'give each link of a namespace its own subnet',
        });
      }
      open.push(n);
    }
  }
}

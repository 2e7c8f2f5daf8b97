// Two topology files compared for what they make in the kernel: the same namespaces, links (veth pairs, bridges,
// bridge ports), addresses, routes and sysctls, whatever their spelling — bridges top-level or under their
// namespace, the ends of a pair and the pairs in any order, `default` or 0.0.0.0/0, a bare address or its /32,
// a route's default metric written or not, any spelling of an address. Loopback state, tests, NAT, firewall and
// the lab's name are not compared. Pure: used by the import tests (imported file vs example).
import { bridgesOf, HOST, type Topology } from '../../src/model.js';
import { canonicalCidr, canonicalDst, familyOf } from '../../src/kinds/common.js';

export interface CanonicalLab {
  namespaces: string[];
  links: string[];
  addresses: string[];
  routes: string[];
  sysctls: string[];
}

const sorted = (xs: string[]) => [...xs].sort();

export function canonicalLab(t: Topology): CanonicalLab {
  const links: string[] = [], addresses: string[] = [];
  const addrs = (ns: string, dev: string, list: string[] | undefined) => { for (const a of list ?? []) addresses.push(`${ns}/${dev} ${canonicalCidr(a)}`); };
  const state = (x: { up?: boolean; mtu?: number }, mtu?: number) => `${x.up === false ? ' down' : ''}${(x.mtu ?? mtu) !== undefined ? ` mtu ${x.mtu ?? mtu}` : ''}`;
  for (const b of bridgesOf(t)) {
    links.push(`bridge ${b.ns}/${b.name}${state(b.spec)}`);
    addrs(b.ns, b.name, b.spec.addresses);
  }
  for (const v of t.veths ?? []) {
    const ends = v.ends.map((e) => ({ ...e, ns: e.namespace ?? HOST })).map((e) => ({ e, id: `${e.ns}/${e.name}` }));
    links.push(`veth ${sorted(ends.map((x) => x.id)).join(' <-> ')}`);
    for (const { e, id } of ends) {
      links.push(`end ${id}${state(e, 1500)}${e.bridge ? ` port of ${e.ns}/${e.bridge}` : ''}`);
      addrs(e.ns, e.name, e.addresses);
    }
  }
  const routes: string[] = [], sysctls: string[] = [];
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    for (const r of spec?.routes ?? []) {
      const fam = r.to !== 'default' ? familyOf(r.to) : r.via ? familyOf(r.via) : 4;
      const table = (r as { table?: number | string }).table;
      routes.push(`${ns} ${canonicalDst(r.to, fam)}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''} metric ${r.metric ?? (fam === 6 ? 1024 : 0)}`
        + `${table !== undefined && table !== 'main' && table !== 254 ? ` table ${table}` : ''}`);
    }
    for (const [k, v] of Object.entries(spec?.sysctls ?? {})) sysctls.push(`${ns} ${k}=${String(v)}`);
  }
  const namespaces = Object.keys(t.namespaces ?? {}).filter((n) => n !== HOST);
  return { namespaces: sorted(namespaces), links: sorted(links), addresses: sorted(addresses), routes: sorted(routes), sysctls: sorted(sysctls) };
}

/** What one file has that the other doesn't, one line each ("only in a: routes: ns1 0.0.0.0/0 via ..."); [] when equivalent. */
export function labDifferences(a: Topology, b: Topology): string[] {
  const ca = canonicalLab(a), cb = canonicalLab(b);
  const out: string[] = [];
  for (const k of Object.keys(ca) as (keyof CanonicalLab)[]) {
    const sa = new Set(ca[k]), sb = new Set(cb[k]);
    for (const x of ca[k]) if (!sb.has(x)) out.push(`only in a: ${k}: ${x}`);
    for (const x of cb[k]) if (!sa.has(x)) out.push(`only in b: ${k}: ${x}`);
  }
  return out;
}

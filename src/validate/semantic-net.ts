// Semantic checks of layer 3: addresses, routes and their gateways, ping tests (NAT rules are checked by their kind).
import { HOST, type RouteSpec, type Topology } from '../model.js';
import { pointer, type Finding } from '../core/finding.js';
import { canon, family, familyName, inSubnet, isLinkLocal6, networkOf, parseAddr, parseCidr, type Addr, type Cidr } from '../core/ip.js';
import { interfaceRef, nsText } from '../core/lab-model.js';
import { FINDINGS_CAP, ifacesOf, ifKey, type LabIndex } from './lab-index.js';
import { didYouMean } from '../core/suggest.js';
import { LOCAL_TABLE, MAIN_TABLE, tableNumber, tableRef } from '../kinds/tables.js';

export function networkFindings(t: Topology, ix: LabIndex): Finding[] {
  const out: Finding[] = [];
  const declared = addresses(ix, out);
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    if (!spec) continue;
    routes(t, ns, spec.routes ?? [], ix, out);
  }
  tests(t, ix, declared, out);
  return out;
}

/** The metric the kernel gives a route: the declared one, or its default (IPv6 takes 0 as the default too). */
export const effectiveMetric = (fam: 4 | 6, metric: number | undefined): number =>
  fam === 6 ? metric || 1024 : metric ?? 0;

/** Every address valid and used once per namespace (isolated namespaces may reuse one); returns the declared addresses. */
function addresses(ix: LabIndex, out: Finding[]): Set<string> {
  const seen = new Map<string, { name: string; path: string }>();
  const all = new Set<string>();
  for (const f of ix.ifaces) {
    for (const a of f.addresses) {
      if (!a.cidr) {
        out.push({ code: 'bad-address', path: a.path, message: `address of ${f.name}: ${parseCidr(a.text) as string}` });
        continue;
      }
      const ip = canon(a.cidr[0]);
      all.add(ip);
      const first = seen.get(`${f.ns}|${ip}`);
      if (!first) { seen.set(`${f.ns}|${ip}`, { name: f.name, path: a.path }); continue; }
      out.push({
        code: 'duplicate-address', path: a.path, related: first.path,
        message: `address ${ip} is already on ${first.name} in ${nsText(f.ns)}`,
        hint: 'an address can be on one interface of a namespace only',
      });
    }
  }
  return all;
}

function routes(t: Topology, ns: string, list: RouteSpec[], ix: LabIndex, out: Finding[]): void {
  const seen = new Map<string, string>();
  list.forEach((r, i) => {
    const base = pointer('namespaces', ns, 'routes', i);
    const table = r.table === undefined ? MAIN_TABLE : tableNumber(t, ns, r.table);
    if (r.table !== undefined) {
      const f = tableRef(t, ns, r.table, `${base}/table`);
      if (f) out.push(f);
      else if (table === LOCAL_TABLE) {
        out.push({ code: 'local-table', path: `${base}/table`, message: 'the local table is the kernel\'s: it holds the routes of the namespace\'s own addresses, which it adds and removes itself', hint: 'route in main (no table) or in a table of your own' });
      }
    }
    let dst: string | undefined;
    let fam: 4 | 6 | undefined;
    if (r.to !== 'default') {
      const c: Cidr | string = r.to.includes('/') ? parseCidr(r.to) : parseAddr(r.to) ? [parseAddr(r.to)!, r.to.includes(':') ? 128 : 32] : `${JSON.stringify(r.to)} is not a valid IPv4 or IPv6 address`;
      if (typeof c === 'string') out.push({ code: 'bad-address', path: `${base}/to`, message: `route destination: ${c}` });
      else { dst = networkOf(c); fam = family(c[0]); }
    }
    if (r.dev !== undefined) {
      const f = interfaceRef(ix, ns, r.dev, `${base}/dev`, 'route device');
      if (f) out.push(f);
      else if (ix.byKey.get(ifKey(ns, r.dev))?.up === false) {
        out.push({ code: 'route-device-down', path: `${base}/dev`, message: `route device ${r.dev} is declared down (up: false): the kernel refuses a route through an interface that is down ("Nexthop device is not up")`, hint: `bring ${r.dev} up, or leave this route out while it is down` });
      }
    }
    let via: Addr | undefined;
    if (r.via !== undefined) {
      via = parseAddr(r.via);
      if (!via) out.push({ code: 'bad-address', path: `${base}/via`, message: `gateway ${JSON.stringify(r.via)} is not a valid IPv4 or IPv6 address` });
      else if (fam !== undefined && family(via) !== fam) {
        out.push({ code: 'family-mismatch', path: `${base}/via`, message: `gateway ${r.via} is ${familyName(via)} but destination ${r.to} is IPv${fam}`, hint: 'a gateway must be of the same address family as the destination' });
        via = undefined;
      } else gateway(ns, r, via, sameTable(t, ns, list, table), ix, `${base}/via`, out);
    }
    if (fam === undefined && r.to !== 'default') return;
    // One route per destination and metric: "default" is 0.0.0.0/0 (::/0), no metric is the kernel's default one.
    const f = fam ?? (via ? family(via) : 4);
    const key = `${f}|${dst ?? (f === 6 ? '::/0' : '0.0.0.0/0')}|${effectiveMetric(f, r.metric)}|${table ?? r.table}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, base);
    else {
      out.push({ code: 'duplicate-route', path: `${base}/to`, related: `${first}/to`, message: `route to ${r.to} is declared twice in ${nsText(ns)} with the same metric${table !== MAIN_TABLE ? ` in table ${r.table}` : ''}${r.to === 'default' || /\/0$/.test(r.to) ? ' ("default" is 0.0.0.0/0, or ::/0)' : ''}`, hint: 'the kernel keeps one route per destination and metric; remove one, or give them different metrics' });
    }
  });
}

/**
 * The routes whose link routes can make a gateway of a route in `table` reachable: the kernel looks the gateway up
 * in the route's own table, then through the rules (which reach main).
 */
function sameTable(t: Topology, ns: string, list: RouteSpec[], table: number | undefined): RouteSpec[] {
  return list.filter((o) => { const ot = o.table === undefined ? MAIN_TABLE : tableNumber(t, ns, o.table); return ot === table || ot === MAIN_TABLE; });
}

/** The gateway must be on a subnet of the namespace (of `dev` when given), or on a link route of it (see sameTable). */
function gateway(ns: string, r: RouteSpec, via: Addr, list: RouteSpec[], ix: LabIndex, path: string, out: Finding[]): void {
  if (isLinkLocal6(via)) {
    if (r.dev === undefined) out.push({ code: 'gateway-needs-dev', path, message: `link-local gateway ${r.via} needs "dev": it is reachable on every interface`, hint: 'add dev: <interface>' });
    return;
  }
  const devIf = r.dev !== undefined ? ix.byKey.get(ifKey(ns, r.dev)) : undefined;
  if (r.dev !== undefined && !devIf) return; // unknown device: reported already, or a host interface topo can't see
  const pool = devIf ? [devIf] : ifacesOf(ix, ns);
  const cidrs = pool.flatMap((f) => f.addresses.flatMap((a) => (a.cidr ? [a.cidr] : [])));
  if (cidrs.some(([a]) => a.kind() === via.kind() && canon(a) === canon(via))) {
    out.push(via.kind() === 'ipv6'
      ? { code: 'gateway-is-local', path, message: `gateway ${r.via} is an address of ${nsText(ns)} itself: the kernel refuses a local IPv6 gateway ("Gateway can not be a local address")`, hint: 'the gateway is the next router: an address of a neighbour on that subnet; to send straight out of an interface, use "dev" without "via"' }
      : { code: 'gateway-is-local', severity: 'warning', path, message: `gateway ${r.via} is an address of ${nsText(ns)} itself: the kernel accepts that for IPv4, but a gateway is the next router, a neighbour's address on that subnet`, hint: 'to send straight out of an interface, use "dev" without "via"' });
    return;
  }
  const onSubnet = pool.filter((f) => f.addresses.some((a) => a.cidr && inSubnet(via, a.cidr)));
  if (ns !== HOST && onSubnet.length && onSubnet.every((f) => !f.up) && !(r.dev !== undefined && !devIf?.up)) {
    out.push({
      code: 'gateway-down', path,
      message: `gateway ${r.via} is reachable only through ${onSubnet.map((f) => f.name).join(', ')}, declared down (up: false): the kernel refuses a route whose gateway it can't reach ("Nexthop has invalid gateway")`,
      hint: 'bring that interface up, or leave this route out while it is down',
    });
    return;
  }
  if (onSubnet.length || out.length >= FINDINGS_CAP) return;
  const linkRoutes = list.filter((o) => o.dev !== undefined && o.via === undefined && o.to !== 'default' && (r.dev === undefined || o.dev === r.dev));
  if (linkRoutes.some((o) => { const c = o.to.includes('/') ? parseCidr(o.to) : parseCidr(`${o.to}/${o.to.includes(':') ? 128 : 32}`); return typeof c !== 'string' && inSubnet(via, c); })) return;
  if (ns === HOST && !devIf) return; // the host has addresses the lab doesn't declare
  const where = devIf ? `${r.dev} in ${nsText(ns)}` : nsText(ns);
  out.push({
    code: 'gateway-unreachable', path,
    message: `gateway ${r.via} is not reachable from any address of ${where}`,
    hint: cidrs.length
      ? `addresses there: ${cidrs.map(([a, l]) => `${canon(a)}/${l}`).join(', ')}; add an address on the gateway's subnet, or fix "via"`
      : `${where} has no addresses; give ${devIf ? r.dev : 'one of its interfaces'} an address on the gateway's subnet`,
  });
}

function tests(t: Topology, ix: LabIndex, declared: Set<string>, out: Finding[]): void {
  (t.tests ?? []).forEach((x, i) => {
    if (x.ping === undefined) return; // other tests: validate/semantic-tests.ts
    const path = pointer('tests', i, 'ping');
    if (x.ping === x.from) {
      out.push({ code: 'ping-local', severity: 'warning', path, message: `the test pings its own namespace ${JSON.stringify(x.from)}: it answers itself and proves nothing`, hint: 'ping another namespace' });
    }
    if (ix.namespaces.has(x.ping)) {
      if (x.ping !== HOST && !ifacesOf(ix, x.ping).some((f) => f.addresses.length)) {
        out.push({ code: 'no-address', path, message: `namespace ${JSON.stringify(x.ping)} has no address to ping`, hint: 'give one of its interfaces an address, or ping an address' });
      }
      return;
    }
    const a = parseAddr(x.ping);
    if (a && ifacesOf(ix, x.from).some((f) => f.addresses.some((d) => d.cidr && d.cidr[0].kind() === a.kind() && canon(d.cidr[0]) === canon(a)))) {
      out.push({ code: 'ping-local', severity: 'warning', path, message: `${x.ping} is an address of ${nsText(x.from)} itself: the ping answers itself and proves nothing`, hint: 'ping an address of another namespace' });
    } else if (!a) {
      out.push({ code: 'bad-ping-target', path, message: `ping target ${JSON.stringify(x.ping)} is neither an address nor a declared namespace${didYouMean(x.ping, ix.namespaces)}` });
    } else if (!x.external && !declared.has(canon(a))) {
      out.push({ code: 'unknown-ping-target', path, message: `${x.ping} is not an address of this lab`, hint: 'declare it on an interface, or add "external: true" to ping an address outside the lab' });
    }
  });
}

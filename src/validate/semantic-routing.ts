// Routes that can't be added or don't do what they say: a route the kernel already has (the connected route of
// an address: adding it again fails "File exists"), and a gateway namespace that doesn't forward. Pure.
import { nsText } from '../core/lab-model.js';
import { HOST, type Topology } from '../model.js';
import { pointer, type Finding } from '../core/finding.js';
import { canon, networkOf, parseAddr, parseCidr, type Cidr } from '../core/ip.js';
import { ifacesOf, type Iface, type LabIndex } from './lab-index.js';
import { effectiveMetric } from './semantic-net.js';
import { MAIN_TABLE, tableNumber } from '../kinds/tables.js';

/** The metric of the kernel's connected (proto kernel) route of an address. */
const CONNECTED_METRIC = { 4: 0, 6: 256 } as const;

export function routingFindings(t: Topology, ix: LabIndex): Finding[] {
  const out: Finding[] = [];
  const owners = addressOwners(ix);
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    (spec?.routes ?? []).forEach((r, i) => {
      const base = pointer('namespaces', ns, 'routes', i);
      const dst = destination(r.to);
      // The kernel's connected routes are in main: a route of another table never meets them.
      const table = r.table === undefined ? MAIN_TABLE : tableNumber(t, ns, r.table);
      if (dst && table === MAIN_TABLE) connected(ns, dst, r.metric, ix, `${base}/to`, out);
      if (r.via !== undefined) forwarding(t, ns, r.via, dst, owners, `${base}/via`, out);
    });
  }
  return out;
}

/** Canonical address → the interfaces that have it (looked up once per route, not by walking every namespace). */
function addressOwners(ix: LabIndex): Map<string, Iface[]> {
  const out = new Map<string, Iface[]>();
  for (const f of ix.ifaces) {
    for (const a of f.addresses) {
      if (!a.cidr) continue;
      const k = canon(a.cidr[0]);
      const list = out.get(k);
      if (list) list.push(f); else out.set(k, [f]);
    }
  }
  return out;
}

/** The destination as a CIDR (a bare address is /32 or /128); undefined for default or an invalid one. */
function destination(to: string): Cidr | undefined {
  if (to === 'default') return undefined;
  const c = to.includes('/') ? parseCidr(to) : parseCidr(`${to}/${to.includes(':') ? 128 : 32}`);
  return typeof c === 'string' ? undefined : c;
}

/** The kernel adds a route to the subnet of every address (IPv4: not for a /32) on an interface that is up. */
function connected(ns: string, dst: Cidr, metric: number | undefined, ix: LabIndex, path: string, out: Finding[]): void {
  const fam = dst[0].kind() === 'ipv4' ? 4 : 6;
  if (effectiveMetric(fam, metric) !== CONNECTED_METRIC[fam]) return;
  const net = networkOf(dst);
  for (const f of ifacesOf(ix, ns)) {
    if (!f.up) continue;
    const a = f.addresses.find((x) => x.cidr && x.cidr[1] === dst[1] && !(fam === 4 && dst[1] === 32) && x.cidr[0].kind() === dst[0].kind() && networkOf(x.cidr) === net);
    if (!a) continue;
    out.push({
      code: 'connected-route', path, related: a.path,
      message: `route to ${net} is already the kernel's: address ${a.text} on ${f.name} brings it (proto kernel, metric ${CONNECTED_METRIC[fam]}), so adding it fails with "File exists"`,
      hint: `remove this route (the address routes its subnet by itself), or give it a metric other than ${CONNECTED_METRIC[fam]}`,
    });
    return;
  }
}

/**
 * A gateway that is another namespace of the lab carries traffic for others only when it forwards: warned about
 * when the file leaves its forwarding unset (off in a new namespace).
 */
function forwarding(t: Topology, ns: string, via: string, dst: Cidr | undefined, owners: Map<string, Iface[]>, path: string, out: Finding[]): void {
  const gw = parseAddr(via);
  if (!gw) return;
  // The host's forwarding is the machine's: not known here.
  const f = (owners.get(canon(gw)) ?? []).find((x) => x.ns !== ns && x.ns !== HOST);
  if (!f) return;
  const other = f.ns;
  // Only the gateway's own addresses are reachable without forwarding.
  if (dst && dst[1] === (gw.kind() === 'ipv4' ? 32 : 128) && (owners.get(canon(dst[0])) ?? []).some((x) => x.ns === other)) return;
  // Forwarding declared (on, or off on purpose, as for an isolating switch) is the file's decision.
  const sysctls = t.namespaces?.[other]?.sysctls ?? {};
  const keys = gw.kind() === 'ipv4' ? ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding'] : ['net.ipv6.conf.all.forwarding'];
  if (keys.some((k) => sysctls[k] !== undefined)) return;
  out.push({
    code: 'gateway-not-forwarding', severity: 'warning', path,
    message: `gateway ${via} is ${f.name} in ${nsText(other)}, which does not forward (${keys[0]} is not set there, and a new namespace starts with it off): only ${other}'s own addresses are reachable through it`,
    hint: `add to ${other}: sysctls: { ${keys[0]}: 1 }`,
  });
}

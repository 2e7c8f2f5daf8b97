// A lab built by hand: the `ip` commands a tutorial would type to make what a topology file declares (namespaces,
// loopback, bridges, veth pairs with MTU, master and state, addresses, routes, sysctls), as one shell script to
// run inside a sandbox. No topo marks, no protocol numbers: what `topo import` meets on a machine set up by hand.
// Covers the subset the import tests generate (no NAT, firewall, tables, neighbours or other link kinds).
import { bridgesOf, HOST, type Topology } from '../../src/model.js';

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const ipIn = (ns: string) => (ns === HOST ? 'ip' : `ip -n ${q(ns)}`);

export function handScript(t: Topology): string {
  const lines: string[] = ['set -e'];
  const nss = Object.entries(t.namespaces ?? {}).filter(([n]) => n !== HOST);
  for (const [ns, spec] of nss) {
    lines.push(`ip netns add ${q(ns)}`);
    if (spec?.loopback !== 'down') lines.push(`${ipIn(ns)} link set lo up`);
  }
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    for (const [k, v] of Object.entries(spec?.sysctls ?? {})) {
      const path = `/proc/sys/${k.replace(/\./g, '/')}`;
      lines.push(ns === HOST ? `echo ${v} > ${path}` : `ip netns exec ${q(ns)} sh -c 'echo ${v} > ${path}'`);
    }
  }
  const addrs = (ns: string, dev: string, list: string[] | undefined) => {
    for (const a of list ?? []) lines.push(`${ipIn(ns)} addr add ${a} dev ${q(dev)}${a.includes(':') ? ' nodad' : ''}`);
  };
  for (const b of bridgesOf(t)) {
    lines.push(`${ipIn(b.ns)} link add ${q(b.name)} type bridge`);
    if (b.spec.mtu !== undefined) lines.push(`${ipIn(b.ns)} link set ${q(b.name)} mtu ${b.spec.mtu}`);
  }
  for (const v of t.veths ?? []) {
    // Made from the host's end when there is one: the peer goes to a namespace by name (never by a PID).
    const ends = v.ends.map((e) => ({ ...e, ns: e.namespace ?? HOST }));
    const [a, b] = ends[1].ns === HOST && ends[0].ns !== HOST ? [ends[1], ends[0]] : ends;
    lines.push(`${ipIn(a.ns)} link add ${q(a.name)} type veth peer name ${q(b.name)}${b.ns === a.ns ? '' : ` netns ${q(b.ns)}`}`);
    for (const e of [a, b]) {
      if (e.mtu !== undefined) lines.push(`${ipIn(e.ns)} link set ${q(e.name)} mtu ${e.mtu}`);
      if (e.bridge) lines.push(`${ipIn(e.ns)} link set ${q(e.name)} master ${q(e.bridge)}`);
      if (e.up !== false) lines.push(`${ipIn(e.ns)} link set ${q(e.name)} up`);
    }
  }
  for (const b of bridgesOf(t)) if (b.spec.up !== false) lines.push(`${ipIn(b.ns)} link set ${q(b.name)} up`);
  for (const v of t.veths ?? []) for (const e of v.ends) addrs(e.namespace ?? HOST, e.name, e.addresses);
  for (const b of bridgesOf(t)) addrs(b.ns, b.name, b.spec.addresses);
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    for (const r of spec?.routes ?? []) {
      lines.push(`${ipIn(ns)} route add ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${q(r.dev)}` : ''}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

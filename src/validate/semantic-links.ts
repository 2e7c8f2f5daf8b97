// Checks of `links:`, the links between hosts (core/links.ts), on the whole file: each link's mode has its own fields;
// a VXLAN link's ends are on two different declared hosts that have underlay addresses of one family, its VNI is
// unique in the lab, and (on the host topo runs on) its ends' MTU fits that host's underlay; a routed link is
// between two declared hosts with underlay addresses, each with subnets in its root namespace, none overlapping the
// other's. Where an end is (an undeclared namespace, a bridge it names, its addresses) is checked with the rest of
// its host's slice, where it is a veth end. Pure.
import { pointer, type Finding } from '../core/finding.js';
import { defaultHost } from '../core/host-slice.js';
import type { CheckOptions } from '../core/kind.js';
import { parseCidr, rangeOf } from '../core/ip.js';
import type { LabModel } from '../core/lab-model.js';
import { endHost, endMtu, hostSubnets, isRouted, LINK_OVERHEAD, linkVni, underlayFamily } from '../core/links.js';
import { didYouMean } from '../core/suggest.js';
import type { LinkSpec, Topology } from '../model.js';

const VXLAN_ONLY = ['ends', 'vni', 'dstport', 'mtu'] as const;

/** The findings of the file's links. `model`: the whole file resolved. */
export function linkFindings(t: Topology, model: LabModel, opts: CheckOptions = {}): Finding[] {
  const links = t.links ?? [];
  if (!links.length) return [];
  if (!t.machines) {
    return [{ code: 'links-no-machines', path: '/links', at: 'key', message: 'links: join two machines, but the file declares no machines',
      hint: 'declare them under machines: (node1: { ssh: root@ADDRESS, underlay: ADDRESS }), or join namespaces of this machine with veths:' }];
  }
  const out: Finding[] = [];
  const vnis = new Map<number, number>();
  links.forEach((l, i) => {
    if (isRouted(l)) out.push(...routed(t, model, l, i));
    else out.push(...vxlan(t, l, i, vnis, opts));
  });
  return out;
}

function vxlan(t: Topology, l: LinkSpec, i: number, vnis: Map<number, number>, opts: CheckOptions): Finding[] {
  const at = (...more: (string | number)[]) => pointer('links', i, ...more);
  if (l.between !== undefined) {
    return [{ code: 'link-mode', path: at('between'), at: 'key', message: 'between is for a routed link; this link is a VXLAN pair (the default mode)',
      hint: 'add mode: routed to route between the hosts, or give the VXLAN pair its two ends: ends: [END, END]' }];
  }
  if (!l.ends) {
    return [{ code: 'link-ends', path: at(), message: 'this VXLAN link has no ends',
      hint: 'ends: [{ namespace: NS1@node1, name: eth1, addresses: [10.0.0.1/24] }, { namespace: NS1@node2, name: eth1, addresses: [10.0.0.2/24] }], or mode: routed with between: [node1, node2]' }];
  }
  const dflt = defaultHost(t);
  const hosts = l.ends.map((e) => endHost(e, dflt));
  const machines = t.machines ?? {};
  // Unknown hosts and names on no host are placement's (semantic-hosts.ts): nothing more to say of this link.
  if (hosts.some((h) => h === undefined || !Object.hasOwn(machines, h))) return [];
  const [h0, h1] = hosts as [string, string];
  if (h0 === h1) {
    return [{ code: 'link-one-host', path: at('ends', 1), related: at('ends', 0),
      message: `both ends of this link are on host ${h0}: a link joins two hosts`,
      hint: 'two namespaces of one machine are joined by a veth pair: move it to veths: (ends: [END, END])' }];
  }
  const out: Finding[] = [];
  const missing = hosts.map((h, j) => ({ h, j })).filter(({ h }) => machines[h!]?.underlay === undefined);
  for (const { h, j } of missing) {
    out.push({ code: 'link-no-underlay', path: at('ends', j), related: pointer('machines', h!), relatedAt: 'key',
      message: `this end is on host ${h}, which has no underlay address: the tunnel goes between the hosts' underlay addresses`,
      hint: `give ${h} one: underlay: ADDRESS (its address on the network between the hosts)` });
  }
  if (missing.length) return out;
  const [u0, u1] = [machines[h0].underlay!, machines[h1].underlay!];
  if (underlayFamily(u0) !== underlayFamily(u1)) {
    out.push({ code: 'link-family', path: at(), message: `the underlay addresses of ${h0} (${u0}) and ${h1} (${u1}) are of two families: a tunnel runs over one`,
      hint: 'give both hosts underlay addresses of one family' });
  }
  const vni = linkVni(t.name, l, dflt);
  const first = vnis.get(vni);
  if (first !== undefined) {
    const explicit = l.vni !== undefined;
    out.push({ code: 'link-vni', path: explicit ? at('vni') : at(), related: vniPath(first, t.links![first]), relatedAt: t.links![first].vni !== undefined ? 'value' : 'key',
      message: `VNI ${vni} of this link is also that of link ${first}, at {related}${explicit ? '' : ': the VNIs derived from the two links\' ends collide'}`,
      hint: `give one of them a VNI of its own: vni: N (1..16777215), unique in the lab` });
  } else vnis.set(vni, i);
  out.push(...mtu(l, i, [h0, h1], [u0, u1], opts));
  return out;
}

/** Where a link's VNI is written: its vni, else the link itself (a derived VNI). */
const vniPath = (i: number, l: LinkSpec) => (l.vni !== undefined ? pointer('links', i, 'vni') : pointer('links', i));

/** On the host topo runs on (the one whose underlay address is one of this machine's), each end's MTU fits its underlay. */
function mtu(l: LinkSpec, i: number, hosts: [string, string], underlays: [string, string], opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  l.ends!.forEach((e, j) => {
    const here = opts.underlayLink?.(underlays[j]);
    if (!here) return;
    const m = endMtu(l, e, underlays[j], here);
    const fam = underlayFamily(underlays[j]);
    const max = here.mtu - LINK_OVERHEAD[fam];
    if (m.from === 'underlay' || m.mtu <= max) return;
    out.push({ code: 'link-mtu', path: m.from === 'end' ? pointer('links', i, 'ends', j, 'mtu') : pointer('links', i, 'mtu'),
      message: `MTU ${m.mtu} of ${e.name} is more than host ${hosts[j]}'s underlay can carry: ${max} (${here.dev}'s MTU ${here.mtu} less ${LINK_OVERHEAD[fam]} bytes of VXLAN over IPv${fam} headers)`,
      hint: `set mtu: ${max} or less, or leave mtu out (the default is the underlay's MTU less ${LINK_OVERHEAD[fam]}: ${max} here), or raise ${here.dev}'s MTU to ${m.mtu + LINK_OVERHEAD[fam]}` });
  });
  return out;
}

function routed(t: Topology, model: LabModel, l: LinkSpec, i: number): Finding[] {
  const at = (...more: (string | number)[]) => pointer('links', i, ...more);
  const out: Finding[] = [];
  for (const k of VXLAN_ONLY) {
    if (l[k] !== undefined) out.push({ code: 'link-mode', path: at(k), at: 'key', message: `${k} is for a VXLAN link; a routed link only adds routes between the hosts' subnets`, hint: 'drop it, or drop mode: routed to make this a VXLAN pair' });
  }
  if (!l.between) {
    out.push({ code: 'link-between', path: at('mode'), at: 'key', message: 'this routed link says not between which hosts', hint: 'between: [node1, node2]' });
    return out;
  }
  const machines = t.machines ?? {};
  const names = Object.keys(machines);
  l.between.forEach((h, k) => {
    if (!Object.hasOwn(machines, h)) out.push({ code: 'unknown-host', path: at('between', k), message: `host ${JSON.stringify(h)} is not declared${didYouMean(h, names)}`, hint: `machines of the file: ${names.join(', ')}` });
  });
  if (out.length) return out;
  const [a, b] = l.between;
  if (a === b) return [{ code: 'link-one-host', path: at('between', 1), related: at('between', 0), message: `this link is between host ${a} and itself`, hint: 'name two hosts: between: [node1, node2]' }];
  l.between.forEach((h, k) => {
    if (machines[h]?.underlay === undefined) {
      out.push({ code: 'link-no-underlay', path: at('between', k), related: pointer('machines', h), relatedAt: 'key',
        message: `host ${h} has no underlay address: the other host's routes go via it`, hint: `give ${h} one: underlay: ADDRESS` });
    }
  });
  if (out.length) return out;
  const fam = underlayFamily(machines[a].underlay);
  if (underlayFamily(machines[b].underlay) !== fam) {
    return [{ code: 'link-family', path: at('between'), message: `the underlay addresses of ${a} (${machines[a].underlay}) and ${b} (${machines[b].underlay}) are of two families`, hint: 'give both hosts underlay addresses of one family' }];
  }
  const dflt = defaultHost(t);
  const subnets = l.between.map((h) => hostSubnets(model, h, dflt, fam));
  subnets.forEach((list, k) => {
    const h = l.between![k];
    if (!list.length) {
      out.push({ code: 'link-no-subnets', path: at('between', k),
        message: `host ${h} has no IPv${fam} subnet to route to: no interface the lab declares in its root namespace has an IPv${fam} address`,
        hint: `give an interface of host@${h} an address, as seed 002 gives its br0 (bridges: { br0: { addresses: [172.16.1.1/24] } })` });
    }
  });
  for (const x of subnets[0]) {
    for (const y of subnets[1]) {
      if (!overlap(x, y)) continue;
      out.push({ code: 'link-overlap', path: at('between'),
        message: `subnet ${x} of ${a} and subnet ${y} of ${b} overlap: each host would route the other's addresses to itself`,
        hint: 'give each host subnets of its own' });
    }
  }
  return out;
}

function overlap(x: string, y: string): boolean {
  const [cx, cy] = [parseCidr(x), parseCidr(y)];
  if (typeof cx === 'string' || typeof cy === 'string') return false;
  const [rx, ry] = [rangeOf(cx), rangeOf(cy)];
  return rx.fam === ry.fam && rx.lo <= ry.hi && ry.lo <= rx.hi;
}

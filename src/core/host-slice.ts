// One host's part of a lab that spans several machines (top-level `machines:`). A namespace is on a host when its name ends in
// @HOST ("NS1@node1"; "host@node1" is node1's own root namespace); a name without @ is on the default host (the
// `local: true` one, or the only one). A host's slice is the plain single-host topology of what is on it: its
// namespaces under their own names (NS1, host), its bridges, veths, routes, NAT, ... and the tests run from it —
// which the rest of topo plans, applies and verifies like any file — and its half of each link between hosts
// (`links:`, core/links.ts) made of the same single-host objects. Pure.
import { HOST, type EndSpec, type TestSpec, type Topology } from '../model.js';
import { canonicalAddr } from './ip.js';
import type { LabModel } from './lab-model.js';
import { linkEndAddresses, linkParts, type LocalUnderlay } from './links.js';
import { parseHostPort, parseHttpUrl } from './test-targets.js';

/** A namespace reference split at its @: the namespace's own name, and its host when it names one. */
export function splitNs(ref: string): { name: string; host?: string } {
  const at = ref.lastIndexOf('@');
  return at < 0 ? { name: ref } : { name: ref.slice(0, at), host: ref.slice(at + 1) };
}

/** The host a name without @ is on: the `local: true` one, else the only one; undefined when there is none. */
export function defaultHost(t: Topology): string | undefined {
  const hosts = Object.entries(t.machines ?? {});
  return hosts.find(([, h]) => h?.local)?.[0] ?? (hosts.length === 1 ? hosts[0][0] : undefined);
}

/** The host a namespace reference is on (undefined: none can be told, an error validation reports). */
export const hostOf = (t: Topology, ref: string): string | undefined => splitNs(ref).host ?? defaultHost(t);

/**
 * The identity of one host's slice of a lab: its name in the kernel marks (alias, nft table), its state record and
 * its lock. "lab.host": never a single-host lab's name (those have no dot), and distinct per host, so two hosts'
 * slices applied on one machine never take each other's objects.
 */
export const sliceLabName = (lab: string, host: string): string => `${lab}.${host}`;

/** A place the file names a namespace: a namespace key, or the `namespace` / `from` value of something. */
export interface NsRefAt {
  ref: string;
  path: string;
  at: 'key' | 'value';
  /** Not written: a bridge or veth end without `namespace` is in the root namespace (host). */
  implicit?: boolean;
}

type Parent = string | { name: string; namespace?: string };
const macvlansOf = (spec: unknown): Record<string, { parent?: Parent } | null> =>
  ((spec as { macvlans?: Record<string, { parent?: Parent } | null> } | null)?.macvlans) ?? {};

/** Every place the file names a namespace, in file order. */
export function namespaceRefs(t: Topology): NsRefAt[] {
  const out: NsRefAt[] = [];
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    out.push({ ref: ns, path: `/namespaces/${ns}`, at: 'key' });
    for (const [name, m] of Object.entries(macvlansOf(spec))) {
      const p = m?.parent;
      if (p && typeof p === 'object' && p.namespace !== undefined) out.push({ ref: p.namespace, path: `/namespaces/${ns}/macvlans/${name}/parent/namespace`, at: 'value' });
    }
  }
  for (const [name, b] of Object.entries(t.bridges ?? {})) {
    out.push(b?.namespace !== undefined ? { ref: b.namespace, path: `/bridges/${name}/namespace`, at: 'value' } : { ref: HOST, path: `/bridges/${name}`, at: 'key', implicit: true });
  }
  (t.veths ?? []).forEach((v, i) => v.ends.forEach((e, j) => out.push(e.namespace !== undefined
    ? { ref: e.namespace, path: `/veths/${i}/ends/${j}/namespace`, at: 'value' }
    : { ref: HOST, path: `/veths/${i}/ends/${j}`, at: 'value', implicit: true })));
  (t.links ?? []).forEach((l, i) => (l.ends ?? []).forEach((e, j) => out.push(e.namespace !== undefined
    ? { ref: e.namespace, path: `/links/${i}/ends/${j}/namespace`, at: 'value' }
    : { ref: HOST, path: `/links/${i}/ends/${j}`, at: 'value', implicit: true })));
  (t.tests ?? []).forEach((x, i) => out.push({ ref: x.from, path: `/tests/${i}/from`, at: 'value' }));
  return out;
}

/** A host's slice: its topology, and the way back from a place in it to the same place in the whole file. */
export interface HostSlice {
  host: string;
  topo: Topology;
  /** The JSON pointer in the whole file of a JSON pointer into the slice. */
  fullPath(path: string): string;
}

/**
 * The slice of `host`. `model`: the whole file's resolved model (core/lab-model.ts), used to turn a test's target on
 * another host into an address of it (a ping to it is then `external`: it is not an address of this slice), and for
 * the subnets of routed links. The file's `links:` become the objects core/links.ts says, on each of their hosts
 * (`underlay`: this host's underlay interface, read on it). The file is taken as valid: a veth with ends on two
 * hosts, or a name on no host, has been refused by validation.
 */
export function sliceHost(t: Topology, host: string, model?: LabModel, underlay?: LocalUnderlay): HostSlice {
  const dflt = defaultHost(t);
  const on = (ref: string) => (splitNs(ref).host ?? dflt) === host;
  const local = (ref: string) => splitNs(ref).name;
  const part = partOf(t, on, local, model);
  return { host, ...(t.links?.length ? withLinks(part, linkParts(t, host, dflt, local, model, underlay)) : part) };
}

/**
 * A slice with its links' objects: the bridges and veths after the file's, the endpoints and routes in its root
 * namespace ("host") after the file's; each placed, in the whole file, at its link (a veth's end at the end).
 */
function withLinks(part: Omit<HostSlice, 'host'>, links: ReturnType<typeof linkParts>): Omit<HostSlice, 'host'> {
  const t = part.topo;
  const hostNs = t.namespaces?.host ?? {};
  const nRoutes = hostNs.routes?.length ?? 0, nVeths = t.veths?.length ?? 0;
  const linkOf = new Map<string, number>();
  for (const name of Object.keys(links.bridges)) linkOf.set(`/bridges/${name}`, links.linkOf[name]);
  for (const name of Object.keys(links.vxlans)) linkOf.set(`/namespaces/host/vxlans/${name}`, links.linkOf[name]);
  links.routes.forEach((r, k) => linkOf.set(`/namespaces/host/routes/${nRoutes + k}`, r.link));
  links.veths.forEach((v, k) => {
    linkOf.set(`/veths/${nVeths + k}/ends/0`, v.link);
    linkOf.set(`/veths/${nVeths + k}`, v.link);
  });
  const endOf = new Map(links.veths.map((v, k) => [`/veths/${nVeths + k}/ends/0`, v.end]));
  const topo: Topology = {
    ...t,
    ...(!links.routes.length && !Object.keys(links.vxlans).length ? {} : { namespaces: {
      ...t.namespaces,
      host: {
        ...hostNs,
        ...(links.routes.length ? { routes: [...(hostNs.routes ?? []), ...links.routes.map((r) => r.route)] } : {}),
        ...(Object.keys(links.vxlans).length ? { vxlans: { ...hostNs.vxlans, ...links.vxlans } } : {}),
      },
    } }),
    ...(Object.keys(links.bridges).length ? { bridges: { ...t.bridges, ...links.bridges } } : {}),
    ...(links.veths.length ? { veths: [...(t.veths ?? []), ...links.veths.map((v) => ({ ends: v.ends }))] } : {}),
  };
  const fullPath = (path: string): string => {
    // The longest generated prefix of the path: an end's fields stay under that end, the rest is the link itself.
    for (const [prefix, link] of [...linkOf].sort((a, b) => b[0].length - a[0].length)) {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const end = endOf.get(prefix);
      return end !== undefined ? `/links/${link}/ends/${end}${path.slice(prefix.length)}` : `/links/${link}`;
    }
    return part.fullPath(path);
  };
  return { topo, fullPath };
}

/**
 * The part of the file whose namespaces `on` keeps, each renamed by `local` in every place the file names it
 * (namespace keys, `namespace:` of bridges, veth ends and macvlan parents, tests' `from` and targets): a host's
 * slice (sliceHost), or a copy of the whole lab under other names (core/instance.ts).
 */
export function partOf(t: Topology, on: (ref: string) => boolean, local: (ref: string) => string, model?: LabModel): Omit<HostSlice, 'host'> {
  const nsBack = new Map<string, string>();
  const namespaces: NonNullable<Topology['namespaces']> = {};
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    if (!on(ns)) continue;
    nsBack.set(local(ns), ns);
    namespaces[local(ns)] = spec && Object.keys(macvlansOf(spec)).length ? { ...spec, macvlans: renamedParents(macvlansOf(spec), local) } as typeof spec : spec;
  }
  const bridges: NonNullable<Topology['bridges']> = {};
  for (const [name, b] of Object.entries(t.bridges ?? {})) {
    if (!on(b?.namespace ?? HOST)) continue;
    bridges[name] = b?.namespace !== undefined ? { ...b, namespace: local(b.namespace) } : b;
  }
  const vethBack: number[] = [];
  const veths = (t.veths ?? []).flatMap((v, i) => {
    if (!v.ends.every((e) => on(e.namespace ?? HOST))) return [];
    vethBack.push(i);
    return [{ ...v, ends: v.ends.map((e) => (e.namespace !== undefined ? { ...e, namespace: local(e.namespace) } : e)) as [EndSpec, EndSpec] }];
  });
  const testBack: number[] = [];
  const tests = (t.tests ?? []).flatMap((x, i) => {
    if (!on(x.from)) return [];
    testBack.push(i);
    return [testFor(x, t, on, local, model)];
  });
  const { machines: _m, namespaces: _ns, bridges: _br, veths: _v, tests: _t, links: _l, ...rest } = t;
  void _m; void _ns; void _br; void _v; void _t; void _l;
  const topo: Topology = {
    ...rest,
    ...(t.namespaces ? { namespaces } : {}),
    ...(t.bridges ? { bridges } : {}),
    ...(t.veths ? { veths } : {}),
    ...(t.tests ? { tests } : {}),
  };
  const fullPath = (path: string): string => {
    const m = /^\/(namespaces|veths|tests)\/([^/]+)(.*)$/.exec(path);
    if (!m) return path;
    const [, top, seg, tail] = m;
    const back = top === 'namespaces' ? nsBack.get(seg) : (top === 'veths' ? vethBack : testBack)[Number(seg)];
    return back === undefined ? path : `/${top}/${back}${tail}`;
  };
  return { topo, fullPath };
}

function renamedParents<M extends { parent?: Parent } | null>(macvlans: Record<string, M>, local: (ref: string) => string): Record<string, M> {
  return Object.fromEntries(Object.entries(macvlans).map(([name, m]) => {
    const p = m?.parent;
    return [name, p && typeof p === 'object' && p.namespace !== undefined ? { ...m, parent: { ...p, namespace: local(p.namespace) } } : m];
  }));
}

/**
 * A test of the slice: `from` under its own name; a target that is a namespace of this host likewise; a namespace
 * of another host becomes its first address (the slice doesn't know it by name), and a ping to another host's
 * address is `external` (it is no address of the slice).
 */
function testFor(x: TestSpec, t: Topology, on: (ref: string) => boolean, local: (ref: string) => string, model?: LabModel): TestSpec {
  const isNs = (s: string) => Object.hasOwn(t.namespaces ?? {}, s) || s === HOST;
  const elsewhere = (s: string) => isNs(s) && !on(s);
  const ends = linkEndAddresses(t);
  const firstAddr = (ns: string) => (model?.byNs.get(ns)?.flatMap((f) => f.addresses.map((a) => a.text)) ?? []).concat(ends.get(ns) ?? [])[0]?.replace(/\/\d+$/, '');
  const target = (s: string): string => (elsewhere(s) ? firstAddr(s) ?? s : isNs(s) ? local(s) : s);
  const out: TestSpec = { ...x, from: local(x.from) };
  if (x.ping !== undefined) {
    out.ping = target(x.ping);
    const a = canonicalAddr(out.ping);
    const same = (text: string) => canonicalAddr(text.replace(/\/\d+$/, '')) === a;
    const remote = elsewhere(x.ping) || (a !== undefined && ((model?.ifaces ?? []).some((f) => !on(f.ns) && f.addresses.some((d) => same(d.text)))
      || [...ends].some(([ns, list]) => !on(ns) && list.some(same))));
    if (remote) out.external = true;
  }
  if (x.tcp !== undefined) {
    const hp = parseHostPort(x.tcp);
    if (typeof hp !== 'string') { const h = target(hp.host); out.tcp = `${h.includes(':') ? `[${h}]` : h}:${hp.port}`; }
  }
  if (x.http !== undefined) {
    const u = parseHttpUrl(x.http);
    if (typeof u !== 'string' && isNs(u.host)) {
      const h = target(u.host);
      out.http = x.http.replace(/^(http:\/\/(?:[^@/]*@)?)(\[[^\]]+\]|[^/:?#]+)/i, (_m, pre: string) => `${pre}${h.includes(':') ? `[${h}]` : h}`);
    }
  }
  return out;
}

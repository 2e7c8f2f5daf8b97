// Checks of a file that spans several hosts (top-level `machines:`), or names one (NS1@node1): every namespace is on a
// declared host (did-you-mean), a name without @ only where there is a default host, no namespace twice on one
// host, no veth or macvlan between two hosts (those are links:, semantic-links.ts), underlay addresses valid and
// distinct. Then each host's slice (core/host-slice.ts) gets every check of a single-host file, its findings placed
// back in the whole file.
// A file without machines: and without NAME@HOST gets the single-host checks alone, exactly as before. Pure.
import { pointer, type Finding } from '../core/finding.js';
import { defaultHost, namespaceRefs, sliceHost, splitNs, type NsRefAt } from '../core/host-slice.js';
import { canonicalAddr, parseAddr } from '../core/ip.js';
import { didYouMean } from '../core/suggest.js';
import type { CheckOptions } from '../core/kind.js';
import { HOST, type Topology } from '../model.js';
import { indexLab } from './lab-index.js';
import { linkFindings } from './semantic-links.js';

type Checks = (t: Topology) => Finding[];

/** The findings of the file: its hosts', then (when they are sound) those of each host's slice. */
export function hostFindings(t: Topology, singleHost: Checks, opts: CheckOptions = {}): Finding[] {
  const refs = namespaceRefs(t);
  if (!t.machines && !t.links?.length && !refs.some((r) => splitNs(r.ref).host !== undefined)) return singleHost(t);
  const model = indexLab(t);
  if (!t.machines && t.links?.length) return linkFindings(t, model, opts); // links without machines: that, and nothing else
  const out = [...placement(t, refs), ...underlays(t), ...crossHost(t)];
  if (!out.some((f) => f.severity !== 'warning')) out.push(...linkFindings(t, model, opts));
  if (out.some((f) => f.severity !== 'warning')) return out;
  const several = Object.keys(t.machines ?? {}).length > 1;
  const seen = new Set<string>();
  for (const host of Object.keys(t.machines ?? {})) {
    const underlay = t.machines?.[host]?.underlay;
    // Sliced as on that host when this machine is it (its underlay's MTU is the links' default).
    const slice = sliceHost(t, host, model, underlay !== undefined && t.links?.length ? opts.underlayLink?.(underlay) : undefined);
    for (const f of singleHost(slice.topo)) {
      const placed: Finding = { ...f, path: slice.fullPath(f.path), ...(f.related !== undefined ? { related: slice.fullPath(f.related) } : {}),
        message: several ? `on host ${host}: ${f.message}` : f.message };
      // What every slice holds (tables:, a top-level bridge of the default host) is reported once.
      const key = `${placed.code} ${placed.path} ${f.message}`;
      if (!seen.has(key)) { seen.add(key); out.push(placed); }
    }
  }
  return out;
}

/** Every namespace named is on a declared host, a name without @ only with a default host; none twice on a host. */
function placement(t: Topology, refs: NsRefAt[]): Finding[] {
  const out: Finding[] = [];
  const hosts = Object.keys(t.machines ?? {});
  const dflt = defaultHost(t);
  const keys = new Map<string, string>();
  for (const r of refs) {
    const { name, host } = splitNs(r.ref);
    if (host !== undefined && !t.machines) {
      out.push({ code: 'no-hosts', path: r.path, at: r.at, message: `${JSON.stringify(r.ref)} names host ${JSON.stringify(host)}, but the file declares no machines`,
        hint: `declare the machines under "machines:" (${host}: { ssh: root@ADDRESS, underlay: ADDRESS }), or drop "@${host}"` });
      continue;
    }
    if (host !== undefined && !Object.hasOwn(t.machines ?? {}, host)) {
      out.push({ code: 'unknown-host', path: r.path, at: r.at, message: `host ${JSON.stringify(host)} is not declared${didYouMean(host, hosts)}`,
        hint: `machines of the file: ${hosts.join(', ')}` });
      continue;
    }
    if (host === undefined && dflt === undefined) {
      out.push({ code: 'no-default-host', path: r.path, at: r.at,
        message: `${r.implicit ? `this is in the root namespace ("${HOST}")` : `namespace ${JSON.stringify(name)}`}, on which host? The file has several and none is local: true`,
        hint: `name the host: ${r.implicit ? 'namespace: ' : ''}${name}@${hosts[0]}` });
      continue;
    }
    if (r.at !== 'key' || r.implicit) continue; // only namespace keys declare a namespace
    const k = `${name}@${host ?? dflt}`;
    const first = keys.get(k);
    if (first !== undefined) {
      out.push({ code: 'duplicate-namespace', path: r.path, at: 'key', related: pointer('namespaces', first), relatedAt: 'key',
        message: `namespace ${JSON.stringify(name)} on host ${JSON.stringify(host ?? dflt)} is declared twice, as ${JSON.stringify(first)} and ${JSON.stringify(r.ref)}`,
        hint: `a name without @ is on the default host (${dflt})` });
    } else keys.set(k, r.ref);
  }
  return out;
}

/** Underlay addresses: plain addresses, one per host; needed when there is more than one host. */
function underlays(t: Topology): Finding[] {
  const out: Finding[] = [];
  const entries = Object.entries(t.machines ?? {});
  const seen = new Map<string, string>();
  for (const [name, h] of entries) {
    const path = pointer('machines', name);
    if (h?.ssh === undefined && !h?.local) out.push({ code: 'host-reach', path, at: 'key', message: `host ${JSON.stringify(name)} says neither how to reach it (ssh: user@address) nor that it is local: true` });
    if (h?.ssh !== undefined && h.local) out.push({ code: 'host-reach', path: pointer('machines', name, 'local'), at: 'key', message: `host ${JSON.stringify(name)} is local: true and reached by ssh: say one of them` });
    if (h?.underlay === undefined) {
      if (entries.length > 1) out.push({ code: 'no-underlay', path, at: 'key', message: `host ${JSON.stringify(name)} has no underlay address`, hint: 'underlay: its address on the network between the hosts (the other hosts reach it there)' });
      continue;
    }
    const a = canonicalAddr(h.underlay);
    if (!parseAddr(h.underlay) || a === undefined) {
      out.push({ code: 'bad-underlay', path: pointer('machines', name, 'underlay'), message: `underlay ${JSON.stringify(h.underlay)} is not an IPv4 or IPv6 address` });
      continue;
    }
    const first = seen.get(a);
    if (first !== undefined) {
      out.push({ code: 'duplicate-underlay', path: pointer('machines', name, 'underlay'), related: pointer('machines', first, 'underlay'),
        message: `hosts ${JSON.stringify(first)} and ${JSON.stringify(name)} have the same underlay address ${a}`, hint: 'each host has its own address on the network between them' });
    } else seen.set(a, name);
  }
  return out;
}

/**
 * A veth's ends, a macvlan and its parent, are on one host. Across hosts the lab joins namespaces with `links:` (a
 * VXLAN pair, or routes over the underlay: semantic-links.ts).
 */
function crossHost(t: Topology): Finding[] {
  const out: Finding[] = [];
  const dflt = defaultHost(t);
  const on = (ref: string) => splitNs(ref).host ?? dflt;
  (t.veths ?? []).forEach((v, i) => {
    const [a, b] = v.ends.map((e) => on(e.namespace ?? HOST));
    if (a !== undefined && b !== undefined && a !== b) {
      out.push({ code: 'cross-host-link', path: pointer('veths', i, 'ends', 1), related: pointer('veths', i, 'ends', 0),
        message: `the ends of this veth are on two hosts (${a} and ${b}): a veth joins two namespaces of one machine`,
        hint: 'join two hosts with links: (a VXLAN pair: links: [{ ends: [END, END] }], the same ends; or links: [{ mode: routed, between: [HOST, HOST] }])' });
    }
  });
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    const mvs = (spec as { macvlans?: Record<string, { parent?: string | { namespace?: string } } | null> } | null)?.macvlans ?? {};
    for (const [name, m] of Object.entries(mvs)) {
      const p = m?.parent;
      if (!p || typeof p !== 'object' || p.namespace === undefined) continue;
      const [a, b] = [on(ns), on(p.namespace)];
      if (a !== undefined && b !== undefined && a !== b) {
        out.push({ code: 'cross-host-link', path: `${pointer('namespaces', ns, 'macvlans', name, 'parent')}/namespace`,
          message: `the macvlan's parent is on host ${b}, the macvlan on ${a}: a macvlan is on its parent's machine` });
      }
    }
  }
  return out;
}

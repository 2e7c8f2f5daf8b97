// Files per namespace: /etc/netns/<ns>/resolv.conf (`dns:`) and /etc/netns/<ns>/hosts (`hosts:`), declared per
// namespace or at the top of the file for every lab namespace (never the host); see `effectiveFiles` for how a
// namespace's own value and the top-level one combine. `ip netns exec`
// (and so `topo exec`) bind-mounts each file of /etc/netns/<ns>/ over its namesake in /etc for the command it runs:
// names resolve there as the lab says. These are files on the machine's disk, not kernel objects: nothing goes
// with the namespace, so topo removes them itself when they leave the file or the lab is destroyed.
// Ownership: a file is the lab's when its first line is the lab's mark (`# managed by topo lab <name>; edits are
// replaced`); its content is compared whole (a hand edit below the mark is drift, written again). A file at that
// path without the mark is someone else's: a conflict, reported and never touched (the file tool checks the mark
// again as it writes or removes, io/file-tool.ts). Directories (/etc/netns and /etc/netns/<ns>) are made when
// missing and recorded (the state record's objects); one is removed only when the record says the lab made it and
// nothing but the lab's own files is in it — a directory someone else made, or one holding a file of theirs, stays.
// The files are read (by topo itself, no process) only where the file declares some, the record lists some, or,
// for destroy, in the lab's namespaces.
import { pointer, type Finding } from '../core/finding.js';
import { parseAddr } from '../core/ip.js';
import type { Kind, KindContext } from '../core/kind.js';
import { nsText, type LabModel } from '../core/lab-model.js';
import type { FileRead, LiveSnapshot, ToolRead } from '../core/live.js';
import { HOST, type Cmd, type Resource, type Topology } from '../model.js';
import { recorded } from './common.js';

export interface DnsSpec {
  /** Name servers, in the order they are asked (the C library reads the first 3). */
  nameservers?: string[];
  /** Domains tried after a name without dots. */
  search?: string[];
  /** The resolver's `options` line (resolv.conf(5)): numbers as `name:N`, flags by name when true. */
  options?: DnsOptions;
}
/** The resolver options topo knows (resolv.conf(5)); the schema bounds the numbers where the C library caps them. */
export interface DnsOptions {
  ndots?: number; timeout?: number; attempts?: number;
  rotate?: boolean; edns0?: boolean; 'trust-ad'?: boolean; 'single-request'?: boolean; 'single-request-reopen'?: boolean;
  'no-tld-query'?: boolean; 'use-vc'?: boolean; 'no-reload'?: boolean; 'no-aaaa'?: boolean;
}
export interface HostsSpec {
  /** Every lab namespace's addresses under the namespace's name. */
  lab?: boolean;
  /** More names: name → an address or a list of addresses. Listed before the lab's (they win). */
  names?: Record<string, string | string[]>;
}

declare module '../model.js' {
  interface NamespaceSpec { dns?: DnsSpec; hosts?: HostsSpec }
  /** For every lab namespace (not the host); a namespace's own `dns:`/`hosts:` combine with these (effectiveFiles). */
  interface Topology { dns?: DnsSpec; hosts?: HostsSpec }
}

/** Where `ip netns exec` finds a namespace's files. */
export const ETC_NETNS = '/etc/netns';
const FILES = { dns: 'resolv.conf', hosts: 'hosts' } as const;
type FileName = (typeof FILES)[keyof typeof FILES];

/** The first line of every file the lab writes: its mark. */
export const fileMark = (lab: string): string => `# managed by topo lab ${lab}; edits are replaced`;

interface FileProps { content: string }

const nsDir = (ns: string) => `${ETC_NETNS}/${ns}`;
const fileClaim = (path: string) => `file:${path}`;
const TOP_KEY = `netns-dir:${HOST}/netns`;
const dirKey = (ns: string) => `netns-dir:${ns}/dir`;
const fileKey = (ns: string, name: FileName) => `netns-file:${ns}/${name}`;

function dirRes(ns: string | undefined, path?: string): Resource {
  return ns === undefined
    ? { kind: 'netns-dir', key: TOP_KEY, ns: HOST, label: ETC_NETNS, props: {}, claims: [fileClaim(ETC_NETNS)], parents: [], ...(path ? { path } : {}) }
    : { kind: 'netns-dir', key: dirKey(ns), ns, label: nsDir(ns), props: {}, claims: [fileClaim(nsDir(ns))], parents: [], ...(path ? { path } : {}) };
}

function fileRes(ns: string, name: FileName, content: string, path?: string): Resource<FileProps> {
  const at = `${nsDir(ns)}/${name}`;
  return { kind: 'netns-file', key: fileKey(ns, name), ns, label: at, props: { content }, claims: [fileClaim(at)], parents: [], ...(path ? { path } : {}) };
}

export interface NsFiles { dns?: DnsSpec; hosts?: HostsSpec }

/**
 * What a namespace's files say, its own `dns:`/`hosts:` combined with the top-level ones, field by field:
 * - dns.nameservers, dns.search: the namespace's list replaces the top-level one (order matters: they are not mixed);
 * - dns.options: merged by option, the namespace's value winning (`rotate: false` turns off a top-level `rotate`);
 * - hosts.names: the namespace's names are added to the top-level ones (its address(es) win for a name in both);
 * - hosts.lab: the namespace's value when it gives one, else the top-level one.
 * A file is written when either level declares it. Never for the host (its /etc files are the machine's).
 */
export function effectiveFiles(topo: Topology, ns: string): NsFiles {
  const own = topo.namespaces?.[ns] ?? undefined;
  if (ns === HOST) return {};
  const d1 = topo.dns, d2 = own?.dns, h1 = topo.hosts, h2 = own?.hosts;
  const pick = <T>(a: T | undefined, b: T | undefined) => (b !== undefined ? b : a);
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    ...(d1 || d2 ? { dns: defined({ nameservers: pick(d1?.nameservers, d2?.nameservers), search: pick(d1?.search, d2?.search),
      options: d1?.options || d2?.options ? { ...d1?.options, ...d2?.options } : undefined }) } : {}),
    ...(h1 || h2 ? { hosts: defined({ lab: pick(h1?.lab, h2?.lab), names: h1?.names || h2?.names ? { ...h1?.names, ...h2?.names } : undefined }) } : {}),
  };
}

/** Namespaces with files declared (at their own level or the top), each with what its files say. */
function declaring(topo: Topology | undefined): [string, NsFiles][] {
  if (!topo) return [];
  return Object.keys(topo.namespaces ?? {}).map((ns): [string, NsFiles] => [ns, effectiveFiles(topo, ns)]).filter(([, f]) => f.dns || f.hosts);
}

/** Where a file's declaration is: the namespace's own key, else the top-level one. */
const declaredAt = (topo: Topology, ns: string, k: 'dns' | 'hosts') => (topo.namespaces?.[ns]?.[k] ? pointer('namespaces', ns, k) : pointer(k));

// ---- Content ----

export function resolvConf(lab: string, dns: DnsSpec): string {
  const lines = [fileMark(lab)];
  if (dns.search?.length) lines.push(`search ${dns.search.join(' ')}`);
  for (const n of dns.nameservers ?? []) lines.push(`nameserver ${n}`);
  const opts = Object.entries(dns.options ?? {}).filter(([, v]) => v !== false).map(([k, v]) => (v === true ? k : `${k}:${v}`));
  if (opts.length) lines.push(`options ${opts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** A valid host name (RFC 1123): labels of letters, digits and inner hyphens, 1..63 each, 253 in all. */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The lab's namespaces by name (those that are valid host names), each with its declared addresses, in file order. */
export function labHosts(model: LabModel): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const ns of Object.keys(model.topo.namespaces ?? {})) {
    if (ns === HOST || !HOSTNAME.test(ns)) continue;
    const addrs: string[] = [];
    for (const f of model.byNs.get(ns) ?? []) for (const a of f.addresses) { const ip = a.text.split('/')[0]; if (!addrs.includes(ip)) addrs.push(ip); }
    if (addrs.length) out.push([ns, addrs]);
  }
  return out;
}

export function hostsFile(lab: string, hosts: HostsSpec, model: LabModel): string {
  const lines = [fileMark(lab), '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const [name, a] of Object.entries(hosts.names ?? {})) for (const ip of [a].flat()) lines.push(`${ip}\t${name}`);
  if (hosts.lab) for (const [name, addrs] of labHosts(model)) for (const ip of addrs) lines.push(`${ip}\t${name}`);
  return `${lines.join('\n')}\n`;
}

// ---- Reads ----

const readName = (path: string) => `file:${path}`;

/** The namespaces whose files are read: declared, recorded, and for destroy (no file) every one the lab holds. */
function readNamespaces(topo: Topology | undefined, ctx: KindContext): string[] {
  const listed = ctx.state.objects.map((k) => /^netns-(?:file|dir):([^/]+)\//.exec(k)?.[1]).filter((n): n is string => n !== undefined && n !== HOST);
  return [...new Set([...declaring(topo).map(([ns]) => ns), ...listed, ...(topo ? [] : ctx.state.namespaces)])].sort();
}

const fileRead = (path: string): ToolRead => ({ name: readName(path), ns: HOST, tool: 'file', args: [path], what: path, absent: /(?!)/, pkg: '' });

function readsOf(topo: Topology | undefined, ctx: KindContext): ToolRead[] {
  const nss = readNamespaces(topo, ctx);
  if (!nss.length) return [];
  return [fileRead(ETC_NETNS), ...nss.flatMap((ns) => [fileRead(nsDir(ns)), ...Object.values(FILES).map((f) => fileRead(`${nsDir(ns)}/${f}`))])];
}

const readAt = (snap: LiveSnapshot, path: string) => snap.ns[HOST]?.reads?.[readName(path)] as FileRead | undefined;

/** What the reads found, as resources: files (the lab's when marked), then namespace directories, then /etc/netns. */
function liveOf(snap: LiveSnapshot, ctx: KindContext): Resource[] {
  const reads = snap.ns[HOST]?.reads ?? {};
  if (!(readName(ETC_NETNS) in reads)) return [];
  const mark = fileMark(ctx.lab.name);
  const objects = recorded(ctx.state).objects;
  const nss = Object.keys(reads).map((k) => new RegExp(`^file:${ETC_NETNS}/([^/]+)$`).exec(k)?.[1]).filter((n): n is string => n !== undefined);
  const files: Resource[] = [], dirs: Resource[] = [];
  const ownedDirs = new Set<string>();
  for (const ns of nss) {
    const ours = new Set<string>();
    for (const name of Object.values(FILES)) {
      const f = readAt(snap, `${nsDir(ns)}/${name}`);
      if (!f) continue;
      const owned = f.type === 'file' && f.content.split('\n', 1)[0] === mark;
      if (owned) ours.add(name);
      files.push({ ...fileRes(ns, name, f.type === 'file' ? f.content : ''), owned });
    }
    const d = readAt(snap, nsDir(ns));
    if (!d) continue;
    // Made by the lab (recorded) and holding nothing but the lab's files: removable when no longer declared.
    const owned = d.type === 'dir' && objects.has(dirKey(ns)) && d.entries.every((e) => ours.has(e));
    if (owned) ownedDirs.add(ns);
    dirs.push({ ...dirRes(ns), owned, adoptable: d.type === 'dir' && !owned });
  }
  const top = readAt(snap, ETC_NETNS);
  if (top) {
    const owned = top.type === 'dir' && objects.has(TOP_KEY) && top.entries.every((e) => ownedDirs.has(e));
    dirs.push({ ...dirRes(undefined), owned, adoptable: top.type === 'dir' && !owned });
  }
  return [...files, ...dirs];
}

// ---- Commands ----

const file = (args: string[], input?: string): Cmd => ({ ns: HOST, tool: 'file', args, ...(input !== undefined ? { input } : {}) });
const write = (r: Resource, content: string, mark: string) => file(['write', r.label, mark], content);
const content = (r: Resource) => (r.props as FileProps).content;

/** The first line where two contents differ, as [line N, live, desired] (what a plan shows of a file's drift). */
export function firstDifference(live: string, desired: string): [string, unknown, unknown][] {
  if (live === desired) return [];
  const lines = (t: string) => t.replace(/\n$/, '').split('\n');
  const l = lines(live), d = lines(desired);
  let i = 0;
  while (i < l.length && i < d.length && l[i] === d[i]) i++;
  return [[`line ${i + 1}`, l[i] ?? null, d[i] ?? null]];
}

export const netnsDirKind: Kind = {
  name: 'netns-dir',
  order: { create: { stage: 'config' }, update: { stage: 'config' }, delete: { stage: 'cleanup', after: ['netns-file'] } },
  desired(model) {
    const nss = declaring(model.topo);
    if (!nss.length) return [];
    return [dirRes(undefined), ...nss.map(([ns]) => dirRes(ns, model.topo.namespaces?.[ns]?.dns || model.topo.namespaces?.[ns]?.hosts ? pointer('namespaces', ns) : pointer(model.topo.dns ? 'dns' : 'hosts')))];
  },
  reads: readsOf,
  live: (snap, ctx) => liveOf(snap, ctx).filter((r) => r.kind === 'netns-dir'),
  compare: () => [],
  create: (r) => [{ ...file(['mkdir', r.label]), undo: [file(['rmdir', r.label])] }],
  update: () => [],
  remove: (l) => [{ ...file(['rmdir', l.label]), undo: [file(['mkdir', l.label])] }],
  // A directory the lab made, for as long as it declares files there (one found there is never recorded).
  record: {
    intent: (c) => (c.op === 'create' ? { objects: [c.key] } : {}),
    keep: (r, intent) => (intent.objects.includes(r.key) ? { objects: [r.key] } : {}),
  },
  holder: (r) => `${r.label}, which is not a directory`,
};

export const netnsFileKind: Kind<FileProps> = {
  name: 'netns-file',
  order: { create: { stage: 'config', after: ['netns-dir'] }, update: { stage: 'config' }, delete: { stage: 'cleanup' } },
  check: (model) => fileFindings(model),
  desired(model, ctx) {
    return declaring(model.topo).flatMap(([ns, s]) => [
      ...(s.dns ? [fileRes(ns, FILES.dns, resolvConf(ctx.lab.name, s.dns), declaredAt(model.topo, ns, 'dns'))] : []),
      ...(s.hosts ? [fileRes(ns, FILES.hosts, hostsFile(ctx.lab.name, s.hosts, model), declaredAt(model.topo, ns, 'hosts'))] : []),
    ]);
  },
  live: (snap, ctx) => liveOf(snap, ctx).filter((r): r is Resource<FileProps> => r.kind === 'netns-file'),
  compare: (d, l) => firstDifference(l.props.content, d.props.content),
  create: (r, ctx) => [{ ...write(r, content(r), fileMark(ctx.lab.name)), undo: [file(['remove', r.label, fileMark(ctx.lab.name)])] }],
  update: (d, l, _f, ctx) => [{ ...write(d, content(d), fileMark(ctx.lab.name)), undo: [write(l, content(l), fileMark(ctx.lab.name))] }],
  remove: (l, ctx) => [{ ...file(['remove', l.label, fileMark(ctx.lab.name)]), undo: [write(l, content(l), fileMark(ctx.lab.name))] }],
  // Recorded so that it is read (and removed) once the file no longer declares it; the mark proves it the lab's.
  record: {
    intent: (c) => (c.op === 'create' ? { objects: [c.key] } : {}),
    keep: (r) => ({ objects: [r.key] }),
  },
  holder: (r) => `${r.label}, a file topo did not write (its first line is not the lab's mark)`,
  show: { detail: (r) => ` (${r.props.content.split('\n').length - 2} line(s) below the mark)` },
  draw: (model, ns) => {
    const s = effectiveFiles(model.topo, ns);
    return [...(s?.dns ? [{ text: `resolv.conf: ${(s.dns.nameservers ?? []).join(', ') || 'no nameserver'}` }] : []),
      ...(s?.hosts ? [{ text: `hosts: ${[...Object.keys(s.hosts.names ?? {}), ...(s.hosts.lab ? ['the lab\'s namespaces'] : [])].join(', ')}` }] : [])];
  },
};

// ---- Checks ----

/** Findings of the file's `dns:` and `hosts:`: at the top (for every lab namespace) and per namespace. */
function fileFindings(model: LabModel): Finding[] {
  const out: Finding[] = [];
  const t = model.topo;
  if (t.dns) out.push(...dnsFindings(t.dns, ['dns'], 'the top-level dns:'));
  if (t.hosts) out.push(...hostsFindings(model, t.hosts, ['hosts'], 'every namespace\'s'));
  for (const [ns, s] of Object.entries(t.namespaces ?? {})) {
    if (!s?.dns && !s?.hosts) continue;
    if (ns === HOST) {
      for (const k of ['dns', 'hosts'] as const) {
        if (s[k]) out.push({ code: 'host-files', path: pointer('namespaces', ns, k), at: 'key', message: `${k}: is for lab namespaces: the host's /etc/${k === 'dns' ? 'resolv.conf' : 'hosts'} is the machine's, and topo never writes it` });
      }
      continue;
    }
    if (s.dns) out.push(...dnsFindings(s.dns, ['namespaces', ns, 'dns'], nsText(ns)));
    if (s.hosts) out.push(...hostsFindings(model, s.hosts, ['namespaces', ns, 'hosts'], `${ns}'s`));
  }
  return out;
}

function dnsFindings(dns: DnsSpec, at: string[], whose: string): Finding[] {
  const out: Finding[] = [];
  const ns1 = dns.nameservers ?? [];
  ns1.forEach((a, i) => {
    if (!parseAddr(a)) out.push({ code: 'bad-address', path: pointer(...at, 'nameservers', i), message: `nameserver ${JSON.stringify(a)} is not an IPv4 or IPv6 address` });
  });
  if (ns1.length > 3) {
    out.push({ code: 'too-many-nameservers', severity: 'warning', path: pointer(...at, 'nameservers', 3),
      message: `${whose} has ${ns1.length} nameservers: the C library asks the first 3 only` });
  }
  (dns.search ?? []).forEach((d, i) => {
    if (!HOSTNAME.test(d.replace(/\.$/, ''))) out.push({ code: 'bad-hostname', path: pointer(...at, 'search', i), message: `search domain ${JSON.stringify(d)} is not a valid domain name`, hint: 'labels of letters, digits and inner hyphens, separated by dots' });
  });
  return out;
}

function hostsFindings(model: LabModel, hosts: HostsSpec, base: string[], whose: string): Finding[] {
  const out: Finding[] = [];
  for (const [name, a] of Object.entries(hosts.names ?? {})) {
    const at = pointer(...base, 'names', name);
    if (!HOSTNAME.test(name)) out.push({ code: 'bad-hostname', path: at, at: 'key', message: `${JSON.stringify(name)} is not a valid host name`, hint: 'labels of letters, digits and inner hyphens (1 to 63 each), separated by dots' });
    const list = [a].flat();
    list.forEach((ip, i) => {
      if (!parseAddr(ip)) {
        out.push({ code: 'bad-address', path: Array.isArray(a) ? `${at}/${i}` : at,
          message: `${JSON.stringify(ip)} (for ${name}) is not an IPv4 or IPv6 address`,
          ...(model.namespaces.has(ip) ? { hint: 'to name the lab\'s namespaces by their addresses, use "lab: true"' } : {}) });
      }
    });
  }
  if (hosts.lab) {
    for (const other of Object.keys(model.topo.namespaces ?? {})) {
      if (other !== HOST && !HOSTNAME.test(other)) {
        out.push({ code: 'namespace-not-hostname', severity: 'warning', path: pointer(...base, 'lab'),
          message: `namespace ${JSON.stringify(other)} is not a valid host name: it is left out of ${whose} hosts file` });
      }
    }
  }
  return out;
}

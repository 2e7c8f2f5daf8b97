// The lab's state record: what the kernel can't hold. Pure type, merge helpers, and the one check of a record read
// back from disk (file IO is in io/state-file.ts). A record is input like any other: root topo deletes the
// namespaces it names and writes the sysctls it holds, so every field is checked — shape, types, names — before
// anything uses it, and a record that fails is refused whole.

import { IF_NAME, LAB_NAME, NET_SYSCTL, NS_NAME, SYSCTL_VALUE } from './names.js';
import { HOST } from '../model.js';

export interface StateRecord {
  lab: string;
  /** Namespaces created by the lab (covers the instant between `netns add` and marking its `lo`). */
  namespaces: string[];
  /**
   * The kernel's identity of each namespace the lab created ("inode:ctime-ns" of its nsfs file, see
   * io/netns-identity.ts), recorded right after `netns add` succeeded: a namespace of that name made by someone
   * else since (or before, in a race) has another identity, so it is never taken for the lab's.
   */
  namespaceIds: Record<string, string>;
  /** Interfaces created by the lab as "ns/name" (covers the instant between `link add` and setting the alias). */
  links: string[];
  /** Routes in the host namespace the lab added (route keys). Routes in lab namespaces are owned with them. */
  hostRoutes: string[];
  /** Previous value of every sysctl the lab changed, by "ns|key": restored when the lab lets go of it. */
  sysctls: Record<string, string>;
  /** Namespaces where the lab owns an nftables table. */
  nat: string[];
  /**
   * Resource keys ("kind:ns/..." as the kind makes them) of objects a kind records: in the host, objects the kernel
   * can't mark as the lab's (one the kind finds there is the lab's only when listed); anywhere, objects the kind
   * reads only where it knows there are some. What being listed means is the recording kind's (Kind.record).
   */
  objects: string[];
  /**
   * Set on a record written before version 4, whose objects don't list the lab's IPv4 rules in its namespaces nor its
   * static neighbours (version 4 lists them, and those kinds read only where the file declares some or the record
   * lists some: kinds/rule.ts, kinds/neighbour.ts). While it is set they are read in every namespace; an apply's
   * final record, which lists them, is written without it.
   */
  unlisted?: true;
  /**
   * The absolute path of the file the lab was last applied from (`topo ls` compares the lab with it). Only a hint:
   * the file may have moved or changed since; nothing is deleted or kept because of it.
   */
  file?: string;
}

/**
 * The record format written by this topo. Records written before the field existed have none and read as version 1.
 * A change of meaning or a new field bumps it, so that an older topo refuses the record as a newer one's instead of
 * stumbling on a field it doesn't know; a record of a later version is refused, not guessed at. Version 2 added
 * `objects`; a version 1 record (without it) reads as one with none. Version 3 added `file`; a record without it
 * names no file. Version 4 lists the lab's IPv4 rules and static neighbours in `objects`; a record before it reads
 * as `unlisted`.
 */
export const STATE_VERSION = 4;

export function emptyState(lab: string): StateRecord {
  return { lab, namespaces: [], namespaceIds: {}, links: [], hostRoutes: [], sysctls: {}, nat: [], objects: [] };
}

const uniq = (a: string[]) => [...new Set(a)].sort();

/**
 * The record with these parts added: lists united, a newer namespace identity winning, an earlier previous sysctl
 * value winning (the record's, then the first part's). All parts at once: an apply of N steps merges N parts, and
 * merging them one by one would copy and sort every list N times.
 */
export function mergeState(a: StateRecord, ...parts: Partial<StateRecord>[]): StateRecord {
  const list = (k: 'namespaces' | 'links' | 'hostRoutes' | 'nat' | 'objects') => uniq([...a[k], ...parts.flatMap((p) => p[k] ?? [])]);
  return {
    lab: a.lab,
    namespaces: list('namespaces'),
    // A newer identity wins: a namespace the lab re-created has a new one.
    namespaceIds: Object.assign({}, a.namespaceIds, ...parts.map((p) => p.namespaceIds ?? {})),
    links: list('links'),
    hostRoutes: list('hostRoutes'),
    sysctls: Object.assign({}, ...parts.map((p) => p.sysctls ?? {}).reverse(), a.sysctls),
    nat: list('nat'),
    objects: list('objects'),
    ...(a.unlisted || parts.some((p) => p.unlisted) ? { unlisted: true as const } : {}),
    ...fileOf(a, parts),
  };
}

/** The last part's file, else the record's (none stays none: the field is left out). */
function fileOf(a: StateRecord, parts: Partial<StateRecord>[]): { file?: string } {
  const file = [...parts].reverse().find((p) => p.file !== undefined)?.file ?? a.file;
  return file === undefined ? {} : { file };
}

export function isEmptyState(s: StateRecord): boolean {
  return !s.namespaces.length && !s.links.length && !s.hostRoutes.length && !Object.keys(s.sysctls).length && !s.nat.length
    && !s.objects.length;
}

/** The record as written to disk: versioned, one field a line. */
export function stateText(s: StateRecord): string {
  return `${JSON.stringify({ version: STATE_VERSION, ...s }, null, 1)}\n`;
}

// ---- Checking a record read back ----

/** Problems with one value: each a sentence naming the field ("namespaces[2]: ..."). */
type Check = (v: unknown, at: string) => string[];

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const text = (re: RegExp, what: string): Check => (v, at) =>
  typeof v === 'string' && re.test(v) ? [] : [`${at}: expected ${what}, got ${show(v)}`];

const listOf = (item: Check, what: string): Check => (v, at) =>
  Array.isArray(v) ? v.flatMap((x, i) => item(x, `${at}[${i}]`)) : [`${at}: expected a list of ${what}, got ${show(v)}`];

const mapOf = (key: Check, value: Check, what: string): Check => (v, at) =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.entries(v).flatMap(([k, x]) => [...key(k, `${at} key ${show(k)}`), ...value(x, `${at}[${show(k)}]`)])
    : [`${at}: expected an object of ${what}, got ${show(v)}`];

const nsName = text(NS_NAME, 'a namespace name');
const nsOrHost: Check = (v, at) => (v === HOST ? [] : nsName(v, at));
/** "ns/ifname": an interface in a namespace (or the host). */
const linkRef: Check = (v, at) => {
  const [ns, name, ...rest] = typeof v === 'string' ? v.split('/') : [];
  return typeof v === 'string' && !rest.length && !nsOrHost(ns, at).length && name !== undefined && IF_NAME.test(name)
    ? [] : [`${at}: expected "namespace/interface", got ${show(v)}`];
};
/** A host route's key, as kinds/route.ts makes it: route:host/DST/METRIC. */
const hostRouteKey = text(/^route:host\/[0-9A-Fa-f:.]+\/[0-9]{1,3}\/[0-9]{1,10}$/, 'a host route ("route:host/DESTINATION/METRIC")');
/** "ns|net.key": a network sysctl of a namespace (never another sysctl: see core/names.ts). */
const sysctlRef: Check = (v, at) => {
  const [ns, key, ...rest] = typeof v === 'string' ? v.split('|') : [];
  return !rest.length && key !== undefined && !nsOrHost(ns, at).length && NET_SYSCTL.test(key)
    ? [] : [`${at}: expected "namespace|net.* sysctl", got ${show(v)}`];
};
/**
 * A recorded object's key: "kind:namespace/rest", a kind's name, a namespace (or the host), then what the kind puts
 * after it (addresses, numbers, names: no spaces, quotes or other characters a message or a command could misread).
 */
const objectKey: Check = (v, at) => {
  const m = typeof v === 'string' ? /^([a-z][a-z0-9-]{0,31}):([^/]+)\/([A-Za-z0-9_.:/@#%+-]{1,200})$/.exec(v) : null;
  return m && !nsOrHost(m[2], at).length ? [] : [`${at}: expected an object key ("kind:namespace/..."), got ${show(v)}`];
};
const sysctlValue = text(SYSCTL_VALUE, 'a sysctl value (text without control characters)');

/**
 * Every field of the record and its check. Typed against StateRecord, so a new field does not compile until it
 * has its check here (one line). A missing field reads as empty (claims nothing); an unknown one is refused.
 */
const FIELDS: { [K in keyof StateRecord]-?: Check } = {
  lab: text(LAB_NAME, 'the lab\'s name'),
  namespaces: listOf(nsName, 'namespace names'),
  namespaceIds: mapOf(nsName, text(/^[0-9]{1,20}:[0-9]{1,30}$/, 'a namespace identity ("inode:ctime-ns")'), 'namespace: identity'),
  links: listOf(linkRef, '"namespace/interface"'),
  hostRoutes: listOf(hostRouteKey, 'host route keys'),
  sysctls: mapOf(sysctlRef, sysctlValue, '"namespace|net.* sysctl": previous value'),
  nat: listOf(nsOrHost, 'namespace names'),
  objects: listOf(objectKey, 'object keys'),
  unlisted: (v, at) => (v === true ? [] : [`${at}: expected true, got ${show(v)}`]),
  file: text(/^\/[^\0\n\r]{0,4095}$/, 'an absolute file path'),
};

export type CheckedState = { ok: true; state: StateRecord } | { ok: false; problems: string[] };

/** Check a record parsed from the lab's state file: every field, its version, and that it is this lab's. */
export function checkState(data: unknown, lab: string): CheckedState {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, problems: [`expected a JSON object, got ${show(data)}`] };
  const { version = 1, ...fields } = data as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, problems: [`version: expected a whole number from 1, got ${show(version)}`] };
  }
  if (version > STATE_VERSION) {
    return { ok: false, problems: [`version ${version}: written by a newer topo (this one reads records up to version ${STATE_VERSION})`] };
  }
  const problems = Object.entries(fields).flatMap(([k, v]) =>
    Object.hasOwn(FIELDS, k) ? FIELDS[k as keyof StateRecord](v, k) : [`${show(k)}: not a field of a state record`]);
  if (!problems.length && fields.lab !== undefined && fields.lab !== lab) problems.push(`lab: the record is lab ${show(fields.lab)}'s, not "${lab}"'s`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, state: { ...emptyState(lab), ...(fields as Partial<StateRecord>), lab, ...(version < 4 ? { unlisted: true as const } : {}) } };
}

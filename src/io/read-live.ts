// Reads the kernel: one `ip -json -d -batch` per namespace (links with their addresses, then all routes), run
// in parallel, as its own process for a few namespaces and through grouped `netns exec` lines for many (see
// io/ns-group.ts); sysctls from /proc/sys (see readSysctls). The host's nsids always,
// other namespaces' only when pairing the lab's veth ends needs them (see kinds/veth.ts).
import { readFileSync } from 'node:fs';
import type { KindContext } from '../core/kind.js';
import type { LiveSnapshot, NsLive, ToolRead } from '../core/live.js';
import { namespacesToResolve } from '../kinds/veth.js';
import { HOST } from '../model.js';
import { TopoError } from '../errors.js';
import { argvOf, sysctlPath } from '../core/commands.js';
import { jsonDocs, netnsNames, nsidsOf, shapeRead, type ShapedRead } from './live-shape.js';
import { GROUP_FROM, nsBatchArgv, runNsJobs } from './ns-group.js';
import { netnsIdentity } from './netns-identity.js';
import { PARALLEL, pool } from './pool.js';
import type { RunResult, Runner } from './runner.js';

export interface ReadRequest {
  /** Namespaces to read (besides the host, always read); those that don't exist are skipped. */
  namespaces: string[];
  /** Sysctl keys to read, by namespace. */
  sysctls: Record<string, string[]>;
  /**
   * Namespaces already read (the JSON documents of readLines(ns), printed by an apply's batch right after its
   * last command there; the host among them): used as they are, not read again.
   */
  known?: Map<string, ShapedRead>;
  /** The namespaces in /run/netns, when the caller has just listed them (else listed here). */
  netns?: string[];
  /** Namespaces of which only the interfaces are read (see NsLive.shallow): destroy deletes them whole. */
  shallow?: string[];
  /** How a file of the host's /proc/sys is read (throws like readFileSync): tests replay captured values. */
  procSys?: (path: string) => string;
  /** What the kinds declared to be read beyond `ip -json` (see ToolRead); results in NsLive.reads. */
  toolReads?: ToolRead[];
}

export async function listNetns(run: Runner): Promise<string[]> {
  const r = await run(['ip', '-json', 'netns', 'list']);
  if (r.exitCode !== 0) throw kernelReadError(['ip', '-json', 'netns', 'list'], r.stderr);
  return netnsNames(r.stdout, ['ip', '-json', 'netns', 'list']);
}

export async function readLive(run: Runner, req: ReadRequest, ctx?: KindContext): Promise<LiveSnapshot> {
  const netns = req.netns ?? await listNetns(run);
  const exists = new Set(netns);
  const shallow = new Set(req.shallow?.filter((n) => n !== HOST && exists.has(n)));
  const others = [...new Set(req.namespaces.filter((n) => n !== HOST && exists.has(n) && !shallow.has(n)))];
  const known = others.filter((n) => req.known?.has(n));
  const [host, rest, thin] = await Promise.all([req.known?.get(HOST) ?? readHost(run).then(shapeRead),
    readIp(run, others.filter((n) => !req.known?.has(n)), READ), readIp(run, [...shallow], LINKS)]);
  const snap: LiveSnapshot = { netns, ns: {} };
  for (const [ns, docs] of thin) snap.ns[ns] = { name: ns, links: shapeRead(docs).links, routes: [], sysctls: {}, nsids: {}, shallow: true };
  snap.ns[HOST] = { name: HOST, ...host, sysctls: {} };
  for (const n of known) snap.ns[n] = { name: n, ...req.known!.get(n)!, sysctls: {} };
  for (const [ns, docs] of rest) snap.ns[ns] = { name: ns, ...shapeRead(docs), sysctls: {} };
  // `netns list-id` looks up every namespace on the machine, so outside the host it is read only where the lab's
  // veth ends can't be paired without it.
  const unresolved = ctx ? namespacesToResolve(snap, ctx) : Object.keys(snap.ns).filter((n) => !snap.ns[n].nsids);
  for (const [ns, docs] of await readIp(run, unresolved, NSIDS)) snap.ns[ns].nsids = nsidsOf(docs.at(-1));
  for (const ns of unresolved) snap.ns[ns].nsids ??= {};
  // Which namespace each name stands for now (the lab's ownership is proven by it, see kinds/common.ts).
  await Promise.all(Object.values(snap.ns).filter((n) => n.name !== HOST).map(async (n) => { n.identity = await netnsIdentity(n.name); }));
  await pool(Object.keys(snap.ns).filter((ns) => !shallow.has(ns)), PARALLEL, async (ns) => {
    const live = snap.ns[ns];
    live.sysctls = await readSysctls(run, ns, req.sysctls[ns] ?? [], req.procSys);
    for (const r of req.toolReads?.filter((x) => x.ns === ns) ?? []) (live.reads ??= {})[r.name] = await runToolRead(run, r);
  });
  return snap;
}

/** What is read: the `show` lines of the batch, one JSON document each. */
interface ReadLines { lines: string[] }
/** A namespace's interfaces (with addresses) and routes. */
const READ: ReadLines = { lines: ['addr show', 'route show table all'] };
const NSIDS: ReadLines = { lines: ['netns list-id'] };
/** A namespace deleted whole: only its interfaces, to prove it the lab's and find what it holds that isn't. */
const LINKS: ReadLines = { lines: ['link show'] };
/** What a namespace's read prints, in the host also the nsids (see readLive); also what an apply's last batches print. */
export const readLines = (ns: string) => (ns === HOST ? [...READ.lines, ...NSIDS.lines] : READ.lines);

async function readHost(run: Runner): Promise<unknown[]> {
  const argv = nsBatchArgv(HOST);
  const r = await run(argv, { input: `${readLines(HOST).join('\n')}\n` });
  if (r.exitCode !== 0) throw kernelReadError(argv, r.stderr);
  return jsonDocs(r.stdout, argv);
}

const LO: ReadLines = { lines: ['link show dev lo'] };

/**
 * The alias of `lo` (a lab's mark) in each of these namespaces, in one batched read (grouped from GROUP_FROM
 * namespaces on). Namespaces that are gone, or can't be read, are left out: they are not the caller's.
 */
export async function readLoAliases(run: Runner, namespaces: string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const [ns, docs] of await readIp(run, namespaces, LO, 'skip')) {
    const links = Array.isArray(docs[0]) ? docs[0] as { ifname?: string; ifalias?: string }[] : [];
    out.set(ns, links.find((l) => l.ifname === 'lo')?.ifalias);
  }
  return out;
}

/**
 * The JSON documents the lines print, per namespace; namespaces deleted meanwhile are left out, and so are those
 * that fail with `onError` 'skip' (else the failure is thrown, naming the command).
 */
async function readIp(run: Runner, namespaces: string[], what: ReadLines, onError: 'throw' | 'skip' = 'throw'): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>();
  let alone = namespaces;
  if (namespaces.length >= GROUP_FROM) {
    const res = await runNsJobs(run, namespaces.map((ns) => ({ ns, lines: what.lines, shows: what.lines.length })), PARALLEL);
    alone = [];
    res.forEach((r, i) => {
      if (r.status === 'ok') out.set(namespaces[i], jsonDocs(r.stdout.join('\n'), nsBatchArgv(namespaces[i])));
      else if (r.status !== 'gone') alone.push(namespaces[i]); // again on its own, where an error names the command
    });
  }
  await pool(alone, PARALLEL, async (ns) => {
    const argv = nsBatchArgv(ns);
    const r = await run(argv, { input: `${what.lines.join('\n')}\n` });
    if (r.exitCode === 0) out.set(ns, jsonDocs(r.stdout, argv));
    else if (!isGone(r.stderr) && onError === 'throw') throw kernelReadError(argv, r.stderr);
  });
  return out;
}

const isGone = (stderr: string) => /No such file|Invalid argument|Cannot open/.test(stderr);

/**
 * Sysctl values straight from /proc/sys (no `sysctl` command): the host's by topo itself, another namespace's by
 * one `grep` in it (/proc/sys/net shows the network namespace of the process reading it). A key the kernel doesn't
 * have (no such file) is left out; any other failure to read is an error naming the file or the command.
 */
async function readSysctls(run: Runner, ns: string, keys: string[], procSys = (path: string) => readFileSync(path, 'utf8')):
Promise<Record<string, string>> {
  if (!keys.length) return {};
  if (ns === HOST) return readHostSysctls(keys, procSys);
  const argv = sysctlReadArgv(ns, keys);
  const r = await run(argv);
  if (/^Cannot open network namespace/.test(r.stderr)) return {}; // deleted meanwhile
  const read = parseSysctlRead(keys, r);
  if (typeof read === 'string') throw sysctlReadError(argv.join(' '), read);
  return read;
}

/** One `grep -H '' FILE...` in the namespace: a line "FILE:VALUE" per sysctl, an error line per file it can't read. */
export const sysctlReadArgv = (ns: string, keys: string[]): string[] => ['ip', 'netns', 'exec', ns, 'grep', '-H', '', ...keys.map(sysctlPath)];

/** What sysctlReadArgv printed, by key; or why it is not a read (grep's words, or its exit). */
export function parseSysctlRead(keys: string[], r: RunResult): Record<string, string> | string {
  const out: Record<string, string> = {};
  const byPath = new Map(keys.map((k) => [sysctlPath(k), k]));
  const errors = r.stderr.split('\n').filter((l) => l.trim());
  const missing = (l: string) => { const m = /^grep: (.+): No such file or directory$/.exec(l); return m && byPath.has(m[1]); };
  // grep exits 0 (lines read), 1 (none: files empty) or 2 (a file could not be read: only "no such sysctl" is fine).
  if (![0, 1, 2].includes(r.exitCode) || !errors.every(missing)) return r.stderr.trim() || `exit ${r.exitCode}`;
  for (const line of r.stdout.split('\n')) {
    const at = line.indexOf(':'); // the path has none, the value may
    const key = at > 0 ? byPath.get(line.slice(0, at)) : undefined;
    if (key !== undefined) out[key] = out[key] === undefined ? line.slice(at + 1) : `${out[key]} ${line.slice(at + 1)}`;
  }
  for (const [path, key] of byPath) if (out[key] === undefined && !errors.some((l) => l.startsWith(`grep: ${path}:`))) out[key] = '';
  return out;
}

function readHostSysctls(keys: string[], procSys: (path: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const path = sysctlPath(key);
    try {
      out[key] = procSys(path).replace(/\n$/, '');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // no such sysctl on this kernel
      throw sysctlReadError(path, (e as Error).message);
    }
  }
  return out;
}

/** A sysctl that exists and can't be read (even by root: a write-only one) is an error, never "no such sysctl". */
const sysctlReadError = (what: string, why: string) => new TopoError('E_READ', `reading the kernel failed: ${what}: ${why.trim()}`, 1);

function kernelReadError(argv: string[], stderr: string): TopoError {
  const perm = /Operation not permitted|Permission denied/.test(stderr);
  return new TopoError(perm ? 'E_PERM' : 'E_READ', `reading the kernel failed: ${argv.join(' ')}: ${stderr.trim()}`, perm ? 77 : 1);
}


/** A kind's declared read: its JSON output, or undefined when the tool says there is nothing (ToolRead.absent). */
export async function runToolRead(run: Runner, r: ToolRead): Promise<unknown> {
  const argv = argvOf({ ns: r.ns, tool: r.tool, args: r.args });
  const res = await run(argv);
  if (res.exitCode === 0) {
    try { return JSON.parse(res.stdout || '{}') as unknown; } catch {
      throw new TopoError('E_READ', `reading the kernel failed: ${argv.join(' ')}: its output is not JSON`);
    }
  }
  if (res.exitCode === 127 || new RegExp(`exec of "${r.tool}" failed|${r.tool}: command not found`).test(res.stderr)) {
    throw new TopoError(`E_${r.tool.toUpperCase()}_MISSING`, `reading ${r.what} of namespace ${r.ns} needs the \`${r.tool}\` command, which is not installed`, 1,
      { hint: `${r.tool} is provided by the Debian package ${r.pkg}: apt-get install ${r.pkg}` });
  }
  if (r.absent.test(res.stderr)) return undefined;
  throw kernelReadError(argv, res.stderr);
}

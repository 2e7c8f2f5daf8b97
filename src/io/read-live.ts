// Reads the kernel: one `ip -json -d -batch` per namespace (see io/ip-reads.ts: its interfaces with their
// addresses, its routes, in the host its nsids, and the lines the kinds declared, in one process), run in parallel,
// as its own process for a few namespaces and through grouped `netns exec` lines for many (see io/ns-group.ts);
// sysctls from /proc/sys (see readSysctls); the kinds' tool reads (ToolRead). Other namespaces' nsids are read only
// where the caller says they are needed (where a kind needs them to recognise its objects: ReadRequest.nsidsNeeded).
// With the netlink engine (io/netlink/engine.ts) the same documents come from netlink dumps made in-process, one
// socket per namespace (io/netlink/reader.ts); a namespace whose read asks for a line it doesn't decode is read by
// `ip` as above.
import { readFileSync } from 'node:fs';
import type { IpRead, LiveSnapshot, ToolRead } from '../core/live.js';
import { HOST } from '../model.js';
import { TopoError } from '../errors.js';
import { argvOf, sysctlPath } from '../core/commands.js';
import { netnsNames, type ShapedRead } from './live-shape.js';
import { docsByLine, LINKS, LINKS_ONLY, NSIDS, nsReads, readOf, shapeRead, showLines } from './ip-reads.js';
import { GROUP_FROM, nsBatchArgv, runNsJobs } from './ns-group.js';
import { NETNS_DIR, netnsIdentity } from './netns-identity.js';
import { PARALLEL, pool } from './pool.js';
import { readProcTool } from './process-tool.js';
import { readFileTool } from './file-tool.js';
import { engine } from './netlink/engine.js';
import { canRead, canReadTool, listDir, NetlinkSession, nsGone } from './netlink/reader.js';
import { SysError } from './netlink/socket.js';
import { type RunResult, type Runner, runProcess } from './runner.js';

export interface ReadRequest {
  /** Namespaces to read (besides the host, always read); those that don't exist are skipped. */
  namespaces: string[];
  /** Sysctl keys to read, by namespace. */
  sysctls: Record<string, string[]>;
  /** The kinds' `ip` lines (Kind.ipReads), added to every full namespace read; documents in NsLive.ipDocs. */
  ipReads?: IpRead[];
  /**
   * Namespaces (besides the host, always) whose nsids must be read too, given the rest of the read: `netns list`
   * looks up every namespace on the machine, so the caller says where it is needed. By default, everywhere.
   */
  nsidsNeeded?: (snap: LiveSnapshot) => string[];
  /**
   * Namespaces already read (what an apply's batch printed right after its last command there, see nsReads: the
   * same reads, the host among them): used as they are, not read again.
   */
  known?: Map<string, ShapedRead>;
  /** The namespaces in /run/netns, when the caller has just listed them (else listed here). */
  netns?: string[];
  /** Namespaces of which only the interfaces are read (see NsLive.shallow): destroy deletes them whole. */
  shallow?: string[];
  /** How a file of the host's /proc/sys is read (throws like readFileSync): tests replay captured values. */
  procSys?: (path: string) => string;
  /** How a namespace's identity is read (see io/netns-identity.ts): tests replay captured values. */
  identity?: (ns: string) => Promise<string | undefined>;
  /** What the kinds declared to be read beyond `ip -json` (see ToolRead); results in NsLive.reads. */
  toolReads?: ToolRead[];
  /** How the reads topo makes itself (tools 'file' and 'procfs': no command) are made: tests replay captured values. */
  inProcess?: (r: ToolRead) => unknown;
}

/**
 * The names in /run/netns, as `ip netns list` prints them (in directory order). With the netlink engine topo reads
 * the directory itself: it is all that `ip netns list` reads for the names.
 */
export async function listNetns(run: Runner): Promise<string[]> {
  if (run === runProcess && engine().name === 'netlink') {
    try {
      // In the directory's own order, as ip lists them (a sorted list would order planned deletions differently).
      return listDir(NETNS_DIR);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw kernelReadError(['ip', '-json', 'netns', 'list'], `${NETNS_DIR}: ${(e as Error).message}`);
    }
  }
  const r = await run(['ip', '-json', 'netns', 'list']);
  if (r.exitCode !== 0) throw kernelReadError(['ip', '-json', 'netns', 'list'], r.stderr);
  return netnsNames(r.stdout, ['ip', '-json', 'netns', 'list']);
}

/**
 * A netlink session for one read of the kernel (closed by the caller), or undefined: with the `ip` engine, or when
 * `run` is not the process runner (a runner that plays a kernel, in tests: its reads are the ones it answers).
 */
function session(run: Runner): NetlinkSession | undefined {
  if (run !== runProcess) return undefined;
  const e = engine();
  return e.name === 'netlink' ? new NetlinkSession(e.libc) : undefined;
}

export async function readLive(run: Runner, req: ReadRequest): Promise<LiveSnapshot> {
  const nl = session(run);
  try { return await readLiveWith(run, req, nl); } finally { nl?.close(); }
}

async function readLiveWith(run: Runner, req: ReadRequest, nl: NetlinkSession | undefined): Promise<LiveSnapshot> {
  const netns = req.netns ?? await listNetns(run);
  const exists = new Set(netns);
  const shallow = new Set(req.shallow?.filter((n) => n !== HOST && exists.has(n)));
  const others = [...new Set(req.namespaces.filter((n) => n !== HOST && exists.has(n) && !shallow.has(n)))];
  const known = others.filter((n) => req.known?.has(n));
  const kinds = req.ipReads ?? [];
  const [host, rest, thin] = await Promise.all([req.known?.get(HOST) ?? readHost(run, kinds, netns.length > 0, nl),
    readIp(run, others.filter((n) => !req.known?.has(n)), (ns) => nsReads(ns, kinds), 'throw', nl), readIp(run, [...shallow], () => [LINKS_ONLY], 'throw', nl)]);
  const snap: LiveSnapshot = { netns, ns: {} };
  for (const [ns, read] of thin) snap.ns[ns] = { name: ns, links: read.links, routes: [], sysctls: {}, nsids: {}, shallow: true };
  snap.ns[HOST] = { name: HOST, ...host, sysctls: {} };
  for (const n of known) snap.ns[n] = { name: n, ...req.known!.get(n)!, sysctls: {} };
  for (const [ns, read] of rest) snap.ns[ns] = { name: ns, ...read, sysctls: {} };
  const unresolved = (req.nsidsNeeded?.(snap) ?? Object.keys(snap.ns)).filter((n) => snap.ns[n] && !snap.ns[n].nsids);
  for (const [ns, read] of await readIp(run, unresolved, () => [NSIDS], 'throw', nl)) snap.ns[ns].nsids = read.nsids;
  for (const ns of unresolved) snap.ns[ns].nsids ??= {};
  // Which namespace each name stands for now (the lab's ownership is proven by it, see kinds/common.ts).
  const identity = req.identity ?? netnsIdentity;
  await Promise.all(Object.values(snap.ns).filter((n) => n.name !== HOST).map(async (n) => { n.identity = await identity(n.name); }));
  await pool(Object.keys(snap.ns).filter((ns) => !shallow.has(ns)), PARALLEL, async (ns) => {
    const live = snap.ns[ns];
    live.sysctls = await readSysctls(run, ns, req.sysctls[ns] ?? [], req.procSys, nl);
    for (const r of req.toolReads?.filter((x) => x.ns === ns) ?? []) {
      const made = nl && canReadTool(r) ? nl.toolRead(ns, r) : undefined;
      (live.reads ??= {})[r.name] = made ? made.value : await runToolRead(run, r, req.inProcess, nl);
    }
  });
  return snap;
}

/**
 * The host's read. `namespaces`: whether there are any (in /run/netns). Where there are none, ip's `netns list`
 * (the nsids) is not asked: it prints nothing at all, not even [], where /run/netns doesn't exist (no namespace was
 * ever made here), and the batch's documents would no longer match its lines; its answer is [], no file to name.
 */
async function readHost(run: Runner, kinds: IpRead[], namespaces: boolean, nl?: NetlinkSession): Promise<ShapedRead> {
  const argv = nsBatchArgv(HOST);
  const reads = nsReads(HOST, kinds);
  if (nl && canRead(reads)) return shapeRead(reads, nl.read(HOST, reads));
  const none = !namespaces;
  const lines = showLines(none ? reads.filter((x) => x.line !== NSIDS.line) : reads);
  const r = await run(argv, { input: `${lines.join('\n')}\n` });
  if (r.exitCode !== 0) throw kernelReadError(argv, r.stderr);
  const docs = docsByLine(r.stdout, lines, argv);
  if (none) docs.set(NSIDS.line, []);
  return shapeRead(reads, docs);
}

/** `lo` alone, for its mark. */
const LO: IpRead = { name: LINKS.name, line: 'link show dev lo' };

/**
 * The alias of `lo` (a lab's mark) in each of these namespaces, in one batched read (grouped from GROUP_FROM
 * namespaces on). Namespaces that are gone, or can't be read, are left out: they are not the caller's.
 */
export async function readLoAliases(run: Runner, namespaces: string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  const nl = session(run);
  try {
    for (const [ns, read] of await readIp(run, namespaces, () => [LO], 'skip', nl)) out.set(ns, read.links.find((l) => l.ifname === 'lo')?.ifalias);
  } finally { nl?.close(); }
  return out;
}

/**
 * The reads in each namespace, shaped; namespaces deleted meanwhile are left out, and so are those that fail with
 * `onError` 'skip' (else the failure is thrown, naming the command).
 */
async function readIp(run: Runner, namespaces: string[], readsIn: (ns: string) => IpRead[], onError: 'throw' | 'skip' = 'throw',
  nl?: NetlinkSession): Promise<Map<string, ShapedRead>> {
  const out = new Map<string, ShapedRead>();
  if (nl) namespaces = namespaces.filter((ns) => !readNetlink(nl, ns, readsIn(ns), onError, out));
  let alone = namespaces;
  if (namespaces.length >= GROUP_FROM) {
    const jobs = namespaces.map((ns) => { const lines = showLines(readsIn(ns)); return { ns, lines, shows: lines.length }; });
    const res = await runNsJobs(run, jobs, PARALLEL);
    alone = [];
    res.forEach((r, i) => {
      const ns = namespaces[i];
      if (r.status === 'ok') out.set(ns, readOf(readsIn(ns), r.stdout.join('\n'), nsBatchArgv(ns)));
      else if (r.status !== 'gone') alone.push(ns); // again on its own, where an error names the command
    });
  }
  await pool(alone, PARALLEL, async (ns) => {
    const argv = nsBatchArgv(ns), reads = readsIn(ns);
    const r = await run(argv, { input: `${showLines(reads).join('\n')}\n` });
    if (r.exitCode === 0) out.set(ns, readOf(reads, r.stdout, argv));
    else if (!isGone(r.stderr) && onError === 'throw') throw kernelReadError(argv, r.stderr);
  });
  return out;
}

/**
 * The namespace read over netlink into `out` (true), or left to `ip` (false: a line netlink doesn't decode). A
 * namespace that is gone (its file deleted, or no longer a namespace) is left out, as `ip` leaves it out.
 */
function readNetlink(nl: NetlinkSession, ns: string, reads: IpRead[], onError: 'throw' | 'skip', out: Map<string, ShapedRead>): boolean {
  if (!canRead(reads)) return false;
  try {
    out.set(ns, shapeRead(reads, nl.read(ns, reads)));
  } catch (e) {
    if (!nsGone(e) && onError === 'throw') throw e instanceof SysError ? sysReadError(ns, e) : e;
  }
  return true;
}

/** A call that failed opening a namespace's socket, named (EPERM/EACCES: E_PERM, exit 77, as `ip` would be). */
function sysReadError(ns: string, e: SysError): TopoError {
  const perm = e.errno === 1 || e.errno === 13;
  return new TopoError(perm ? 'E_PERM' : 'E_READ', `reading the kernel failed: namespace ${ns}: ${e.message}`, perm ? 77 : 1);
}

const isGone = (stderr: string) => /No such file|Invalid argument|Cannot open/.test(stderr);

/**
 * Sysctl values straight from /proc/sys (no `sysctl` command): the host's by topo itself, another namespace's by
 * one `grep` in it (/proc/sys/net shows the network namespace of the process reading it) or, with the netlink
 * engine, by topo itself with its thread in that namespace for the reads. A key the kernel doesn't have (no such
 * file) is left out; any other failure to read is an error naming the file or the command.
 */
async function readSysctls(run: Runner, ns: string, keys: string[], procSys = (path: string) => readFileSync(path, 'utf8'),
  nl?: NetlinkSession): Promise<Record<string, string>> {
  if (!keys.length) return {};
  if (ns === HOST) return readHostSysctls(keys, procSys);
  if (nl) {
    try {
      return nl.inside(ns, () => readHostSysctls(keys, (path) => readFileSync(path, 'utf8')));
    } catch (e) {
      if (nsGone(e)) return {}; // deleted meanwhile
      throw e instanceof SysError ? sysReadError(ns, e) : e;
    }
  }
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

/** The keys' values read by `procSys` (in the namespace the thread is in). */
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


/** A read topo makes itself (tools 'file' and 'procfs'): no command runs. */
export const readInProcess = (r: ToolRead): unknown => (r.tool === 'file' ? readFileTool(r.args[0]) : readProcTool(r.args));

/**
 * A kind's declared read: its JSON output, or undefined when the tool says there is nothing (ToolRead.absent). With
 * the netlink engine's session `nl`, an nft read is made by libnftables in-process where it can be (its answer read
 * as the command's).
 */
export async function runToolRead(run: Runner, r: ToolRead, inProcess = readInProcess, nl?: NetlinkSession): Promise<unknown> {
  if (r.tool === 'file' || r.tool === 'procfs') return inProcess(r);
  const argv = argvOf({ ns: r.ns, tool: r.tool, args: r.args });
  const res = nl?.nftRead(r.ns, r) ?? await run(argv);
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

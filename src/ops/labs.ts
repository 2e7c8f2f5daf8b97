// Every lab on this machine (`topo ls`, `topo destroy --all`): found from the state records in the state directory
// and from the kernel's marks (the alias `topo:<lab>` on `lo` of a lab's namespaces and on every interface it owns),
// so a lab whose record was lost is still found. The kernel is read once for all labs: one listing of the
// namespaces, one read of the host, the interfaces of every other namespace in one batched read; the processes from
// /proc by topo itself. Only a lab whose record names the file it was applied from is compared with that file
// (drift), from the same read; a file that is gone, unreadable, invalid or another lab's is said, never fatal.
import { readdirSync } from 'node:fs';
import { labIdentity } from '../core/lab.js';
import type { KindContext } from '../core/kind.js';
import type { IpRead, LiveSnapshot, NsLive } from '../core/live.js';
import { LAB_NAME } from '../core/names.js';
import { emptyState, isEmptyState, type StateRecord } from '../core/state.js';
import { InvalidTopology, TopoError } from '../errors.js';
import { HOST, type Topology } from '../model.js';
import { kindNamed } from '../kinds/index.js';
import { namespaceProof } from '../kinds/common.js';
import { labGroup } from '../io/group-claim.js';
import { nsInode, scanProcs } from '../io/process-tool.js';
import { NSIDS } from '../io/ip-reads.js';
import { listNetns, readLive } from '../io/read-live.js';
import { nsidsOf, type ShapedRead } from '../io/live-shape.js';
import type { Runner } from '../io/runner.js';
import { stateDir } from '../io/state-dir.js';
import { readState } from '../io/state-file.js';
import { kindIpReads, observe } from './observe.js';

/** How `ls` stands with the file a lab was applied from. */
export type FileStatus =
  | { status: 'unknown' } // the record names none (a lab without a record, or applied by an older topo)
  | { status: 'in-sync' | 'drift'; path: string; drift: number; conflicts: number }
  | { status: 'missing' | 'invalid' | 'other-lab'; path: string; problem: string };

export interface LabRow {
  name: string;
  /** 'ok': read; 'none': no record (lost, or never written: found by its marks alone); 'unreadable': see problem. */
  record: 'ok' | 'none' | 'unreadable';
  recordProblem?: string;
  /** The lab's namespaces that exist now (proven the lab's: by the record's identity or the mark on `lo`). */
  namespaces: string[];
  /** The lab's interfaces (marked), `lo` of its namespaces left out. */
  interfaces: number;
  /** The lab's objects: `topo show`'s count when compared with its file, else namespaces + interfaces + recorded host objects. */
  objects: number;
  /** Processes the lab started (run:) that are running now. */
  processes: number;
  /** What the lab has in the host namespace, each as "kind name". */
  host: string[];
  file: FileStatus;
}

export interface ListOptions {
  run: Runner;
  /** Validates a topology file (the CLI's loader: its nft check and options). */
  load: (file: string) => Promise<Topology>;
}

/** The labs on this machine, by name. */
export async function listLabs(opts: ListOptions): Promise<LabRow[]> {
  const records = await readRecords();
  const netns = await listNetns(opts.run);
  // Files first: the namespaces of labs compared with their file are read in full, all others' interfaces only.
  const files = await loadFiles(records, opts.load);
  const full = new Set<string>();
  for (const [lab, f] of files) {
    if (!('name' in f)) continue;
    for (const ns of [...Object.keys(f.namespaces ?? {}), ...(records.get(lab) as StateRecord).namespaces]) full.add(ns);
  }
  const wanted = netns.filter((n) => full.has(n));
  const compared = [...files.values()].some((f) => 'name' in f);
  // Each namespace read in full also says which nsids it knows the others by, in the same batch (veth pairing
  // needs them): no second pass over the namespaces for them.
  const snap = await readLive(opts.run, { namespaces: wanted, shallow: netns.filter((n) => !full.has(n)), netns, sysctls: {},
    ipReads: compared ? [...kindIpReads(), NSIDS_TOO] : [], nsidsNeeded: () => [HOST] });
  const marks = marksOf(snap);
  const names = [...new Set([...records.keys(), ...marks.keys()])].sort();
  const procs = processCounts(netns);
  const rows: LabRow[] = [];
  for (const name of names) {
    const rec = records.get(name);
    const state = rec instanceof TopoError || rec === undefined ? emptyState(name) : rec;
    const ctx: KindContext = { lab: labIdentity(name, await labGroup(name, false)), state };
    const namespaces = Object.values(snap.ns).filter((n) => n.name !== HOST && ownsNs(ctx, n)).map((n) => n.name).sort();
    const interfaces = (marks.get(name) ?? []).filter((m) => m.ifname !== 'lo').length;
    const host = hostObjects(name, state, snap);
    const f = files.get(name);
    let file: FileStatus = f === undefined ? { status: 'unknown' } : 'name' in f ? { status: 'unknown' } : f;
    let objects = namespaces.length + interfaces + host.filter((h) => !h.startsWith('interface ')).length;
    if (f && 'name' in f) {
      const obs = await observe(opts.run, f, ctx, [], { netns, known: knownReads(snap, namespaces, f) });
      const drift = obs.plan.steps.filter((s) => s.cmds.length).length;
      file = { status: drift || obs.conflicts.length ? 'drift' : 'in-sync', path: state.file!, drift, conflicts: obs.conflicts.length };
      objects = obs.live.filter((r) => r.owned && kindNamed(r.kind)?.show).length;
    }
    rows.push({ name, record: rec === undefined ? 'none' : rec instanceof TopoError ? 'unreadable' : 'ok',
      ...(rec instanceof TopoError ? { recordProblem: rec.message } : {}),
      namespaces, interfaces, objects, processes: procs.get(name) ?? 0, host, file });
  }
  return rows;
}

/** The lab names on this machine (records and marks), without comparing anything: what `destroy --all` removes. */
export async function labNames(run: Runner): Promise<string[]> {
  const records = await readRecords();
  const netns = await listNetns(run);
  const snap = await readLive(run, { namespaces: [], shallow: netns, netns, sysctls: {}, nsidsNeeded: () => [HOST] });
  return [...new Set([...records.keys(), ...marksOf(snap).keys()])].sort();
}

/** Every record in the state directory, by lab: read, or the error that says why it can't be used. */
async function readRecords(): Promise<Map<string, StateRecord | TopoError>> {
  const out = new Map<string, StateRecord | TopoError>();
  const dir = stateDir(false);
  if (!dir) return out;
  for (const f of readdirSync(dir).sort()) {
    const m = /^(.+)\.json$/.exec(f);
    if (!m || !LAB_NAME.test(m[1])) continue;
    try {
      const s = await readState(m[1]);
      if (!isEmptyState(s) || s.file !== undefined) out.set(m[1], s);
    } catch (e) {
      if (!(e instanceof TopoError)) throw e;
      out.set(m[1], e);
    }
  }
  return out;
}

/** The file each record names: validated (a Topology), or why it can't be compared. */
async function loadFiles(records: Map<string, StateRecord | TopoError>, load: ListOptions['load']): Promise<Map<string, Topology | FileStatus>> {
  const out = new Map<string, Topology | FileStatus>();
  for (const [lab, rec] of records) {
    if (rec instanceof TopoError || rec.file === undefined) continue;
    const path = rec.file;
    try {
      const topo = await load(path);
      out.set(lab, topo.name === lab ? topo
        : { status: 'other-lab', path, problem: `${path} is now lab "${topo.name}"'s file, not "${lab}"'s` });
    } catch (e) {
      const unread = e instanceof InvalidTopology ? e.problems.find((p) => p.code === 'file-not-found' || p.code === 'read-error' || p.code === 'not-a-file') : undefined;
      if (unread) {
        const moved = unread.code === 'file-not-found' ? ' (moved or deleted?)' : '';
        out.set(lab, { status: 'missing', path, problem: `${unread.message}${moved}: the lab can't be compared with it; \`topo apply\` from its new place records that one` });
      }
      else if (e instanceof TopoError) out.set(lab, { status: 'invalid', path, problem: firstProblem(e) });
      else throw e;
    }
  }
  return out;
}

function firstProblem(e: TopoError): string {
  if (e instanceof InvalidTopology && e.problems.length) {
    const p = e.problems[0];
    return `${e.file}${p.pos ? `:${p.pos.line}:${p.pos.col}` : ''}: ${p.message}${e.problems.length > 1 ? ` (and ${e.problems.length - 1} more problem(s))` : ''}`;
  }
  return e.message;
}

interface Mark { ns: string; ifname: string }

/** Every interface marked `topo:<lab>` in the read, by lab (the `lo` of a lab's namespace among them). */
function marksOf(snap: LiveSnapshot): Map<string, Mark[]> {
  const out = new Map<string, Mark[]>();
  for (const n of Object.values(snap.ns)) {
    for (const l of n.links) {
      const lab = /^topo:(.+)$/.exec(l.ifalias ?? '')?.[1];
      if (lab === undefined || !LAB_NAME.test(lab)) continue;
      (out.get(lab) ?? out.set(lab, []).get(lab)!).push({ ns: n.name, ifname: l.ifname });
    }
  }
  return out;
}

/** A namespace is the lab's when proven by the record's identity or the mark on its `lo` (kinds/common.ts). */
const ownsNs = (ctx: KindContext, n: NsLive) => namespaceProof(ctx, n) !== undefined;

/** What the lab holds in the host namespace: marked interfaces, and what the record lists there. */
function hostObjects(lab: string, s: StateRecord, snap: LiveSnapshot): string[] {
  const alias = `topo:${lab}`;
  return [
    ...(snap.ns[HOST]?.links ?? []).filter((l) => l.ifalias === alias).map((l) => `interface ${l.ifname}`),
    ...s.hostRoutes.map((k) => `route ${k.split('/').slice(1, 3).join('/')}`),
    ...Object.keys(s.sysctls).filter((k) => k.startsWith(`${HOST}|`)).map((k) => `sysctl ${k.slice(HOST.length + 1)}`),
    ...(s.nat.includes(HOST) ? ['nftables table'] : []),
    ...s.objects.filter((k) => k.includes(`:${HOST}/`)).map((k) => `${k.slice(0, k.indexOf(':'))} ${k.slice(k.indexOf('/') + 1)}`),
  ];
}

/**
 * How many of its processes (run:, as `topo ps` lists them) each lab has running in a named namespace, found by
 * the marker topo starts them with (TOPO_LAB, TOPO_RUN): one scan of /proc for all labs.
 */
function processCounts(netns: string[]): Map<string, number> {
  const byInode = new Map<number, string>();
  for (const ns of netns) { const ino = nsInode(`/run/netns/${ns}`); if (ino !== undefined) byInode.set(ino, ns); }
  const runs = new Map<string, Set<string>>();
  for (const p of scanProcs(byInode)) {
    if (p.lab !== undefined && p.run !== undefined) (runs.get(p.lab) ?? runs.set(p.lab, new Set()).get(p.lab)!).add(`${p.ns}/${p.run}`);
  }
  return new Map([...runs].map(([lab, s]) => [lab, s.size]));
}

/** `netns list` as an extra line of every namespace's read (topo's own NSIDS line is read in the host only). */
const NSIDS_TOO: IpRead = { name: 'ls-nsids', line: NSIDS.line };

/** The shared read, as `known` reads for one lab's observe: the host and the lab's namespaces read in full. */
function knownReads(snap: LiveSnapshot, namespaces: string[], topo: Topology): Map<string, ShapedRead> {
  const out = new Map<string, ShapedRead>();
  for (const ns of [HOST, ...namespaces, ...Object.keys(topo.namespaces ?? {})]) {
    const n = snap.ns[ns];
    if (!n || n.shallow) continue;
    const nsids = n.nsids ?? (n.ipDocs && NSIDS_TOO.name in n.ipDocs ? nsidsOf(n.ipDocs[NSIDS_TOO.name]) : undefined);
    out.set(ns, { links: n.links, routes: n.routes, ...(nsids ? { nsids } : {}), ...(n.ipDocs ? { ipDocs: n.ipDocs } : {}) });
  }
  return out;
}

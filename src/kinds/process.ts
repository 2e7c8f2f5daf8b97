// Processes (`run:` per namespace): what the lab runs in its namespaces, started by topo once the network is applied
// (the 'run' stage, one after the other in the order `after:` gives), stopped before anything they use changes (the
// 'stop' stage: before the namespace is deleted, or when removed from the file) and restarted when their spec
// changes. topo runs them itself (Cmd tool 'spawn', io/process-tool.ts): detached, its output in the lab's log, as
// `user` when given, inside a restart loop for `restart: on-failure` (core/process-argv.ts).
// Ownership, without cgroups (this machine's cgroups are a v1/v2 hybrid, and CI containers often have no writable
// cgroup2): a process is the lab's NAME when its environment carries TOPO_LAB=<lab> and TOPO_RUN=<name> — set by topo
// as it starts it, inherited by every descendant, even one that forks into the background — AND its network
// namespace is one of the lab's (/proc/<pid>/ns/net is the namespace file /run/netns/<ns>: another lab of the same
// name elsewhere, a sandbox, is another namespace). A process in a lab namespace without the marker (a decoy, a shell
// someone left) is never signalled: a plan deleting its namespace names it in a warning (Kind.blockers, leave).
// Its spec's hash is in its environment too (TOPO_SPEC): what runs is compared with the file from /proc alone, and a
// process that died is missing there, so the next apply starts it again (drift). The state record's objects list the
// processes the lab started (`process:<ns>/<name>`), so they are read once the file no longer declares them; the pid
// and start time of each, as started, are in <name>.pid next to its log (status and uptime in `topo ps`): they are
// known only once the process runs, after the record is written.
import { createHash } from 'node:crypto';
import { pointer, type Finding } from '../core/finding.js';
import type { Blocker, CheckOptions, Kind, KindContext } from '../core/kind.js';
import type { LabModel } from '../core/lab-model.js';
import type { LiveSnapshot, ProcInfo, ProcRead, ToolRead } from '../core/live.js';
import { didYouMean } from '../core/suggest.js';
import { durationMs, MAX_UNTIL_MS } from '../core/test-targets.js';
import { HOST, type Cmd, type Resource, type Topology } from '../model.js';

export interface ProcessReady {
  /** A TCP port something listens on in the namespace. */
  tcp?: number;
  /** A line for `sh -c`, run in the namespace, that exits 0 once ready. */
  command?: string;
  /** An absolute path that exists once ready. */
  file?: string;
  /** How long to wait: seconds, or "500ms", "30s", "2m" (default 10s). */
  timeout?: number | string;
}
export interface ProcessSpec {
  /** argv, or a line for `sh -c`. */
  cmd: string | string[];
  env?: Record<string, string>;
  cwd?: string;
  ready?: ProcessReady;
  /** Processes of the lab started (and ready) before this one. */
  after?: string[];
  /** The user it runs as (a name in /etc/passwd, or a uid); default the user topo runs as (root). */
  user?: string | number;
  /** Its group (a name in /etc/group, or a gid); default the user's own group. */
  group?: string | number;
  /** on-failure: started again (by a `sh` loop topo starts in its place) when it exits with a status other than 0. */
  restart?: 'no' | 'on-failure';
  /** How many times on-failure restarts it before it is left exited (default 5). */
  max_restarts?: number;
  /** The wait before the first restart, doubled before each next one up to 30s (default 1s). */
  restart_delay?: number | string;
}

declare module '../model.js' {
  interface NamespaceSpec { run?: Record<string, ProcessSpec> }
}

/** The default `ready.timeout`, in seconds. */
export const READY_TIMEOUT_S = 10;
/** The defaults of `max_restarts` and `restart_delay` (ms). */
export const MAX_RESTARTS = 5;
export const RESTART_DELAY_MS = 1000;

interface ProcessProps {
  /** The hash of what runs (argv, env, cwd, ready check): a change restarts the process. */
  spec: string;
  /** Desired only: what is started, as the process tool takes it (with the ready check's timeout, in seconds). */
  start?: ReturnType<typeof startSpec> & { timeout: number };
  /** Live only: the pids found (the first is the one topo started, when it still runs) and its command line. */
  pids?: number[];
  cmdline?: string;
  /** Live only: started, but its ready check never passed (the apply that started it was killed while it waited). */
  starting?: boolean;
}

const READ = 'process';
const key = (ns: string, name: string) => `process:${ns}/${name}`;
const nameOf = (r: Resource) => r.key.slice(r.key.indexOf('/') + 1);

export const argvOfSpec = (s: ProcessSpec): string[] => (typeof s.cmd === 'string' ? ['sh', '-c', s.cmd] : s.cmd);

/** What is started, as the process tool takes it (without `after`, which orders, and the timeout, which waits). */
function startSpec(s: ProcessSpec) {
  const r = s.ready;
  const ready = r && { ...(r.tcp !== undefined ? { tcp: r.tcp } : {}), ...(r.command !== undefined ? { command: r.command } : {}), ...(r.file !== undefined ? { file: r.file } : {}) };
  const restart = s.restart === 'on-failure' ? { max: s.max_restarts ?? MAX_RESTARTS, delayMs: durationMs(s.restart_delay) ?? RESTART_DELAY_MS } : undefined;
  return { argv: argvOfSpec(s), ...(s.env && Object.keys(s.env).length ? { env: Object.fromEntries(Object.entries(s.env).sort()) } : {}), ...(s.cwd ? { cwd: s.cwd } : {}), ...(ready ? { ready } : {}),
    ...(s.user !== undefined ? { user: String(s.user) } : {}), ...(s.group !== undefined ? { group: String(s.group) } : {}), ...(restart ? { restart } : {}) };
}

export function specHash(s: ProcessSpec): string {
  return createHash('sha256').update(JSON.stringify(startSpec(s))).digest('hex').slice(0, 12);
}

/** Every declared process, in file order: [ns, name, spec]. */
export function declared(topo: Topology | undefined): [string, string, ProcessSpec][] {
  return Object.entries(topo?.namespaces ?? {}).flatMap(([ns, s]) => Object.entries(s?.run ?? {}).map(([n, p]) => [ns, n, p] as [string, string, ProcessSpec]));
}

/** The declared processes, each after those its `after` names (file order otherwise); a cycle is left in file order (check() reports it). */
function startOrder(all: [string, string, ProcessSpec][]): [string, string, ProcessSpec][] {
  const byName = new Map(all.map((p) => [p[1], p]));
  const out: [string, string, ProcessSpec][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: [string, string, ProcessSpec]) => {
    if (state.get(p[1])) return;
    state.set(p[1], 'visiting');
    for (const a of p[2].after ?? []) { const q = byName.get(a); if (q) visit(q); }
    state.set(p[1], 'done');
    out.push(p);
  };
  all.forEach(visit);
  return out;
}

const cmd = (op: 'start' | 'stop' | 'ready', ns: string, name: string, ctx: KindContext, input?: string): Cmd =>
  ({ ns: HOST, tool: 'spawn', args: [op, ns, name, ctx.lab.name], ...(input !== undefined ? { input } : {}) });

function startCmd(r: Resource<ProcessProps>, ctx: KindContext): Cmd {
  return { ...cmd('start', r.ns, nameOf(r), ctx, JSON.stringify({ ...r.props.start, spec: r.props.spec })), undo: [cmd('stop', r.ns, nameOf(r), ctx)] };
}

const readOf = (snap: LiveSnapshot) => snap.ns[HOST]?.reads?.[READ] as ProcRead | undefined;

/** The processes the lab started, by namespace and name: the one topo started first (the root of the others). */
function liveOf(snap: LiveSnapshot, ctx: KindContext): Resource<ProcessProps>[] {
  const read = readOf(snap);
  if (!read) return [];
  const groups = new Map<string, ProcInfo[]>();
  for (const p of read.procs) {
    if (p.lab !== ctx.lab.name || p.run === undefined) continue;
    const k = key(p.ns, p.run);
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups].map(([k, ps]) => {
    const name = ps[0].run!;
    const main = read.main[name];
    const pids = new Set(ps.map((p) => p.pid));
    const root = ps.find((p) => main && p.pid === main.pid && p.start === main.start) ?? ps.find((p) => !pids.has(p.ppid)) ?? ps[0];
    // pid 0: the apply was killed between the spawn and writing the pid down (the process found is that one).
    const starting = Boolean(main?.starting && (main.pid === 0 || (root.pid === main.pid && root.start === main.start)));
    return { kind: 'process', key: k, ns: root.ns, label: name, owned: true, claims: [`process:${name}`], parents: [],
      props: { spec: root.spec ?? '', pids: [root.pid, ...ps.filter((p) => p !== root).map((p) => p.pid)], cmdline: root.cmdline, ...(starting ? { starting } : {}) } };
  });
}

/** Processes in the namespaces a plan deletes that the lab did not start (no marker of this lab): reported, left running. */
function decoys(deleted: string[], snap: LiveSnapshot, ctx: KindContext): Blocker[] {
  const gone = new Set(deleted);
  return (readOf(snap)?.procs ?? []).filter((p) => gone.has(p.ns) && p.lab !== ctx.lab.name)
    .map((p) => ({ ns: p.ns, ifname: String(p.pid), kind: 'process', what: `process ${p.pid} (${p.cmdline.length > 60 ? `${p.cmdline.slice(0, 57)}...` : p.cmdline})`, leave: true }));
}

/** Read where the file declares processes, the record lists some, or for destroy (no file: every lab namespace). */
function readsOf(topo: Topology | undefined, ctx: KindContext): ToolRead[] {
  const listed = ctx.state.objects.filter((k) => k.startsWith('process:')).map((k) => k.slice(8, k.indexOf('/')));
  if (topo && !declared(topo).length && !listed.length) return [];
  const nss = [...new Set([...Object.keys(topo?.namespaces ?? {}), ...ctx.state.namespaces, ...listed])].filter((n) => n !== HOST).sort();
  if (!nss.length) return [];
  return [{ name: READ, ns: HOST, tool: 'procfs', args: [ctx.lab.name, ...nss], what: 'the processes in the lab\'s namespaces', absent: /(?!)/, pkg: '' }];
}

export const processKind: Kind<ProcessProps> = {
  name: 'process',
  order: { create: { stage: 'run' }, update: { stage: 'run' }, delete: { stage: 'stop' } },
  check: (model, opts) => processFindings(model, opts),
  desired(model) {
    return startOrder(declared(model.topo)).filter(([ns]) => ns !== HOST).map(([ns, name, s]) => ({
      kind: 'process', key: key(ns, name), ns, label: name,
      props: { spec: specHash(s), start: { ...startSpec(s), timeout: (durationMs(s.ready?.timeout) ?? READY_TIMEOUT_S * 1000) / 1000 } },
      claims: [`process:${name}`], parents: [], path: pointer('namespaces', ns, 'run', name),
    }));
  },
  reads: (topo, ctx) => readsOf(topo, ctx),
  live: (snap, ctx) => liveOf(snap, ctx),
  // A process started by an apply that was killed before its ready check passed runs as declared, but nothing has
  // seen it ready: the next apply waits for its check (the same process; a process `after` it starts after that).
  compare: (d, l) => (d.props.spec !== l.props.spec ? [['spec', l.props.spec, d.props.spec]] : l.props.starting ? [['ready', 'not checked', 'checked']] : []),
  create: (r, ctx) => [startCmd(r, ctx)],
  update: (d, l, f, ctx) => (f.some(([k]) => k === 'spec') ? [cmd('stop', l.ns, nameOf(l), ctx), startCmd(d, ctx)]
    : [cmd('ready', d.ns, nameOf(d), ctx, JSON.stringify({ ...d.props.start, spec: d.props.spec }))]),
  remove: (l, ctx) => [cmd('stop', l.ns, nameOf(l), ctx)],
  record: {
    intent: (c) => (c.op !== 'delete' ? { objects: [c.key] } : {}),
    keep: (r) => ({ objects: [r.key] }),
  },
  blockers: decoys,
  holder: (r) => `process ${r.label} in ${r.ns}`,
  show: { detail: (r) => (r.props.pids?.length ? ` (pid ${r.props.pids.join(', ')}: ${r.props.cmdline ?? ''})` : '') },
  draw: (model, ns) => Object.keys(model.topo.namespaces?.[ns]?.run ?? {}).map((n) => ({ text: `runs ${n}` })),
};

// ---- Checks ----

function processFindings(model: LabModel, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const all = declared(model.topo);
  const first = new Map<string, string>();
  for (const [ns, name, s] of all) {
    const at = pointer('namespaces', ns, 'run', name);
    if (ns === HOST) {
      out.push({ code: 'host-process', path: pointer('namespaces', ns, 'run'), at: 'key', message: 'run: is for lab namespaces: topo starts no process in the host namespace' });
      continue;
    }
    const seen = first.get(name);
    if (seen) out.push({ code: 'duplicate-process', path: at, at: 'key', related: seen, relatedAt: 'key', message: `process ${JSON.stringify(name)} is declared twice: process names are unique across the lab (they name its log)` });
    else first.set(name, at);
    if (Array.isArray(s.cmd) && !s.cmd[0]) out.push({ code: 'bad-command', path: `${at}/cmd`, message: 'the command is empty' });
    if (s.cwd !== undefined && !s.cwd.startsWith('/')) out.push({ code: 'bad-path', path: `${at}/cwd`, message: `cwd ${JSON.stringify(s.cwd)} is not an absolute path` });
    out.push(...identityFindings(s, at, opts));
    if (s.restart !== 'on-failure') {
      for (const k of ['max_restarts', 'restart_delay'] as const) {
        if (s[k] !== undefined) out.push({ code: 'restart-off', path: `${at}/${k}`, at: 'key', message: `${k} is for restart: on-failure (this process is not restarted)`, hint: 'add restart: on-failure, or drop it' });
      }
    }
    const delay = durationMs(s.restart_delay);
    if (s.restart_delay !== undefined && (delay === undefined || delay === 0 || delay > MAX_UNTIL_MS)) {
      out.push({ code: 'bad-duration', path: `${at}/restart_delay`, message: `restart_delay ${JSON.stringify(s.restart_delay)} is not a duration of more than 0 and at most 10 minutes`, hint: 'seconds, or "500ms", "30s", "2m"' });
    }
    const r = s.ready;
    if (r) {
      const checks = (['tcp', 'command', 'file'] as const).filter((k) => r[k] !== undefined);
      if (checks.length !== 1) {
        out.push({ code: 'bad-ready', path: `${at}/ready`, message: checks.length ? `ready has ${checks.join(' and ')}: give one check` : 'ready has no check: give tcp, command or file' });
      }
      if (r.file !== undefined && !r.file.startsWith('/')) out.push({ code: 'bad-path', path: `${at}/ready/file`, message: `ready file ${JSON.stringify(r.file)} is not an absolute path` });
      const ms = durationMs(r.timeout);
      if (r.timeout !== undefined && (ms === undefined || ms === 0 || ms > MAX_UNTIL_MS)) {
        out.push({ code: 'bad-duration', path: `${at}/ready/timeout`, message: `timeout ${JSON.stringify(r.timeout)} is not a duration of more than 0 and at most 10 minutes`, hint: 'seconds, or "500ms", "30s", "2m"' });
      }
    }
  }
  const names = new Set(all.map(([, n]) => n));
  const byName = new Map(all.map((p) => [p[1], p]));
  for (const [ns, name, s] of all) {
    (s.after ?? []).forEach((a, i) => {
      const path = pointer('namespaces', ns, 'run', name, 'after', i);
      if (!names.has(a)) out.push({ code: 'unknown-process', path, message: `after: ${JSON.stringify(a)} is no process of the lab${didYouMean(a, names)}` });
      else if (a === name) out.push({ code: 'process-cycle', path, message: `process ${JSON.stringify(name)} can't start after itself` });
    });
  }
  // Cycles: a path back to a process through `after`.
  const reported = new Set<string>();
  const walk = (name: string, chain: string[]): void => {
    for (const a of byName.get(name)?.[2].after ?? []) {
      if (a === name || !byName.has(a)) continue;
      if (a === chain[0]) {
        const loop = [...chain, a];
        if (!loop.slice(0, -1).some((n) => reported.has(n))) {
          loop.forEach((n) => reported.add(n));
          const [ns] = byName.get(chain[0])!;
          out.push({ code: 'process-cycle', path: pointer('namespaces', ns, 'run', chain[0], 'after'), message: `processes start after each other in a circle: ${loop.join(' after ')}` });
        }
        continue;
      }
      if (chain.includes(a)) continue;
      walk(a, [...chain, a]);
    }
  };
  for (const [, name] of all) walk(name, [name]);
  return out;
}

/**
 * `user` and `group`: a name must be in this machine's /etc/passwd (/etc/group), as read for validation
 * (CheckOptions.knownUsers; not checked without it). A number is a uid (gid) as is, like docker's `--user 1234`.
 */
function identityFindings(s: ProcessSpec, at: string, opts: CheckOptions): Finding[] {
  const known = opts.knownUsers;
  if (!known) return [];
  const out: Finding[] = [];
  const look = (v: string | number | undefined, names: ReadonlySet<string>, what: 'user' | 'group', file: string) => {
    if (v === undefined || typeof v === 'number' || /^\d+$/.test(v) || names.has(v)) return;
    out.push({ code: `unknown-${what}`, path: `${at}/${what}`, message: `${what} ${JSON.stringify(v)} is not in this machine's ${file}${didYouMean(v, names)}`, hint: `a name in ${file}, or a number` });
  };
  look(s.user, known.users, 'user', '/etc/passwd');
  look(s.group, known.groups, 'group', '/etc/group');
  return out;
}

// `topo ps` and `topo logs`: the processes a lab runs (run:), read from /proc by topo itself (io/process-tool.ts),
// and their logs. A process is listed when the file declares it or it runs with the lab's marker in one of the lab's
// namespaces; a process someone else started there is not the lab's and is not listed.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { TopoError, EXIT } from '../errors.js';
import { HOST, type Topology } from '../model.js';
import { didYouMean } from '../core/suggest.js';
import { isReady, logPath, readProcTool, restartsOf, uptimeOf } from '../io/process-tool.js';

export interface PsRow {
  name: string;
  namespace: string;
  /** The process topo started (or, when it is gone and a descendant still runs, the oldest of those). */
  pid?: number;
  status: 'running' | 'exited';
  /** Seconds since it started (running only). */
  uptime?: number;
  /** Its ready check holds now (true without one, while it runs). */
  ready: boolean;
  /** Every process of it, the one topo started first. */
  pids: number[];
  declared: boolean;
  /** How many times its restart loop (`restart: on-failure`) started it again (0 without one). */
  restarts: number;
  log?: string;
}

interface RunSpec { cmd: unknown; ready?: { tcp?: number; command?: string; file?: string } }
const runsOf = (topo: Topology) => Object.entries(topo.namespaces ?? {}).filter(([ns]) => ns !== HOST)
  .flatMap(([ns, s]) => Object.entries((s as { run?: Record<string, RunSpec> } | undefined)?.run ?? {}).map(([name, spec]) => ({ ns, name, spec })));

export async function processRows(topo: Topology): Promise<PsRow[]> {
  const namespaces = Object.keys(topo.namespaces ?? {}).filter((n) => n !== HOST);
  const read = readProcTool([topo.name, ...namespaces]);
  const declared = runsOf(topo);
  const names = [...new Set([...declared.map((d) => d.name), ...read.procs.filter((p) => p.lab === topo.name && p.run).map((p) => p.run!)])];
  const rows: PsRow[] = [];
  for (const name of names) {
    const d = declared.find((x) => x.name === name);
    const procs = read.procs.filter((p) => p.lab === topo.name && p.run === name);
    const main = read.main[name];
    const root = procs.find((p) => main && p.pid === main.pid && p.start === main.start) ?? [...procs].sort((a, b) => a.start - b.start)[0];
    const ns = root?.ns ?? d!.ns;
    const running = Boolean(root);
    const ready = running && (!d?.spec.ready || await isReady(ns, root.pid, d.spec.ready));
    rows.push({ name, namespace: ns, ...(root ? { pid: root.pid, uptime: Math.round(uptimeOf(root.start)) } : {}), status: running ? 'running' : 'exited',
      ready, pids: root ? [root.pid, ...procs.filter((p) => p !== root).map((p) => p.pid)] : [], declared: Boolean(d), restarts: restartsOf(topo.name, name), ...(logPath(topo.name, name) ? { log: logPath(topo.name, name) } : {}) });
  }
  return rows;
}

const two = (n: number) => String(n).padStart(2, '0');
export const uptimeText = (s: number): string => (s >= 86400 ? `${Math.floor(s / 86400)}d${two(Math.floor(s / 3600) % 24)}h` : s >= 3600 ? `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${two(s % 60)}s` : `${s}s`);

export function psTable(rows: PsRow[]): string {
  if (!rows.length) return 'no processes (the file declares no run:)\n';
  const head = ['NAME', 'NAMESPACE', 'PID', 'STATUS', 'UPTIME', 'RESTARTS', 'READY'];
  const body = rows.map((r) => [r.name, r.namespace, r.pid ? String(r.pid) : '-', r.status + (r.declared ? '' : ' (not in the file)'), r.uptime !== undefined ? uptimeText(r.uptime) : '-', String(r.restarts), r.status === 'running' ? (r.ready ? 'yes' : 'no') : '-']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(w[i]))).join('  ')).join('\n') + '\n';
}

/** The log files of the lab's processes (NAME: that one only; unknown names refused with did-you-mean). */
export function logFiles(topo: Topology, name?: string): { name: string; path: string }[] {
  const names = runsOf(topo).map((d) => d.name);
  if (name !== undefined && !names.includes(name)) {
    throw new TopoError('E_USAGE', `${JSON.stringify(name)} is no process of lab "${topo.name}"${didYouMean(name, names)}`, EXIT.USAGE,
      { hint: names.length ? `its processes: ${names.join(', ')}` : 'the file declares no run:' });
  }
  return (name !== undefined ? [name] : names).map((n) => ({ name: n, path: logPath(topo.name, n) ?? '' })).filter((l) => l.path);
}

/** Bytes of `path` from `from` on (nothing when there is no file). */
export function readFrom(path: string, from: number): { text: string; end: number } {
  if (!existsSync(path)) return { text: '', end: 0 };
  const size = statSync(path).size;
  if (size < from) from = 0; // started again: the file was not cut, but be safe
  if (size === from) return { text: '', end: size };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return { text: buf.subarray(0, n).toString('utf8'), end: from + n };
  } finally { closeSync(fd); }
}

// Processes topo starts in the lab's namespaces (Cmd tool 'spawn') and what runs there (ToolRead tool 'procfs'),
// done by topo itself: /proc is read in-process (no ps, no process spawned), signals are sent by pid.
//   start NS NAME LAB   input: the spec as JSON (StartSpec); `ip netns exec NS [restart loop] [setpriv ...] ARGV...`
//                       (core/process-argv.ts) spawned detached (a session of its own: it outlives topo), stdout and
//                       stderr appended to <state dir>/logs/<LAB>/<NAME>.log (directory 0700, file 0600, opened by
//                       topo before the command runs, whatever user it runs as), in a clean environment (PATH, HOME,
//                       USER, LOGNAME, LANG, the spec's env: processEnv) marked TOPO_LAB=LAB TOPO_RUN=NAME
//                       TOPO_SPEC=<hash of the spec> (inherited by every descendant, even one that forks into the
//                       background); `ip netns exec`, setpriv exec in place, so the pid it gets is the process's (or
//                       its restart loop's). Its pid and start time are written to <NAME>.pid next to the log,
//                       marked "starting" until the ready check (or, without one, a moment to see it does not exit at
//                       once) passes; a failure stops what it started and says why, with the log's last lines.
//   ready NS NAME LAB   the ready check of a process already running that an apply started and never saw ready
//                       (killed meanwhile): waited for as after a start.
//   stop NS NAME LAB    SIGTERM to every process proven the lab's NAME — its environment has TOPO_LAB=LAB and
//                       TOPO_RUN=NAME and its network namespace is NS's (/proc/<pid>/ns/net is /run/netns/NS) —,
//                       up to STOP_GRACE_MS for them to go, then SIGKILL. A process without the marker is never
//                       signalled, whatever it is.
import { spawn, execFile } from 'node:child_process';
import { accessSync, chmodSync, closeSync, constants as C, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcInfo, ProcRead } from '../core/live.js';
import type { Cmd } from '../model.js';
import type { RunResult } from './runner.js';
import { DEFAULT_PATH, processArgv } from '../core/process-argv.js';
import { stateDir } from './state-dir.js';
import { passwdOf, resolveIdentity, type Identity } from './user-db.js';

/** How long a stopped process has between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 3000;
/** Without a ready check: how long a started process must stay up to count as started. */
const SETTLE_MS = 300;
const POLL_MS = 50;
/** Log lines quoted when a process fails to start. */
const TAIL_LINES = 10;

export interface ReadySpec { tcp?: number; command?: string; file?: string }
/** `timeout`: how long the ready check may take, in seconds (default 10). `spec`: the hash of the spec (TOPO_SPEC). */
export interface StartSpec {
  argv: string[]; env?: Record<string, string>; cwd?: string; ready?: ReadySpec; timeout?: number; spec: string;
  /** Who it runs as (name or uid; group: name or gid). */
  user?: string; group?: string;
  /** restart: on-failure, at most `max` times, `delayMs` before the first (doubled each time). */
  restart?: { max: number; delayMs: number };
}

// ---- Where ----

/** The folder of a lab's logs (made 0700 when `create`). */
export function logDir(lab: string, create = false): string | undefined {
  const dir = stateDir(create);
  if (!dir) return undefined;
  const at = join(dir, 'logs', lab);
  if (create) {
    for (const d of [join(dir, 'logs'), at]) { mkdirSync(d, { recursive: true, mode: 0o700 }); chmodSync(d, 0o700); }
  }
  return at;
}
export const logPath = (lab: string, name: string): string | undefined => { const d = logDir(lab); return d && join(d, `${name}.log`); };
const pidPath = (dir: string, name: string) => join(dir, `${name}.pid`);
/** The restart loop's count of restarts (`restart: on-failure`). */
const restartsPath = (dir: string, name: string) => join(dir, `${name}.restarts`);

/** The last `n` lines of a process's log ('' when there is none). */
export function logTail(lab: string, name: string, n = TAIL_LINES): string {
  const at = logPath(lab, name);
  if (!at || !existsSync(at)) return '';
  const lines = readFileSync(at, 'utf8').replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

// ---- Reading /proc ----

/** The identity (inode) of a network namespace file, undefined when there is none. */
export function nsInode(path: string): number | undefined {
  try { return statSync(path).ino; } catch { return undefined; }
}
const netnsOf = (pid: string): number | undefined => {
  try { return Number(/^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`))?.[1]); } catch { return undefined; }
};

/** pid's state, parent and start time (/proc/<pid>/stat: fields 3, 4 and 22; the name may hold spaces and parens). */
export function procStat(pid: number | string): { state: string; ppid: number; start: number } | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]), start: Number(f[19]) };
}

function environOf(pid: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const m = /^(TOPO_LAB|TOPO_RUN|TOPO_SPEC)=(.*)$/s.exec(kv);
      if (m) out[m[1]] = m[2];
    }
  } catch { /* gone, or not ours to read */ }
  return out;
}

function cmdlineOf(pid: string): string {
  try {
    const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
    if (c) return c;
  } catch { /* gone */ }
  try { return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`; } catch { return '[?]'; }
}

/** Live processes (zombies left out) whose network is one of these namespaces' (by inode); topo itself and its unmarked children left out. */
export function scanProcs(byInode: Map<number, string>): ProcInfo[] {
  const out: ProcInfo[] = [];
  if (!byInode.size) return out;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const ino = netnsOf(pid);
    const ns = ino === undefined ? undefined : byInode.get(ino);
    if (ns === undefined) continue;
    const st = procStat(pid);
    if (!st || st.state === 'Z') continue;
    const env = environOf(pid);
    // topo's own reads and commands in the namespace (ip -n, ip netns exec), not what it started.
    if (st.ppid === process.pid && env.TOPO_LAB === undefined) continue;
    out.push({ pid: Number(pid), ppid: st.ppid, start: st.start, ns, cmdline: cmdlineOf(pid),
      ...(env.TOPO_LAB !== undefined ? { lab: env.TOPO_LAB } : {}), ...(env.TOPO_RUN !== undefined ? { run: env.TOPO_RUN } : {}),
      ...(env.TOPO_SPEC !== undefined ? { spec: env.TOPO_SPEC } : {}) });
  }
  return out;
}

/** The 'procfs' read (ToolRead): args [lab, ...namespaces]. */
export function readProcTool([lab, ...namespaces]: string[]): ProcRead {
  const byInode = new Map<number, string>();
  for (const ns of namespaces) { const ino = nsInode(`/run/netns/${ns}`); if (ino !== undefined) byInode.set(ino, ns); }
  const main: ProcRead['main'] = {};
  const dir = logDir(lab);
  if (dir && existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      const m = /^(.+)\.pid$/.exec(f);
      const v = m && /^(?:(\d+) (\d+) )?(starting)?$/.exec(readFileSync(join(dir, f), 'utf8').trim());
      // "starting" alone: written before the spawn, the pid not known yet (pid 0).
      if (m && v && (v[1] || v[3])) main[m[1]] = { pid: Number(v[1] ?? 0), start: Number(v[2] ?? 0), ...(v[3] ? { starting: true } : {}) };
    }
  }
  return { procs: scanProcs(byInode), main };
}

/** Seconds since boot, and the clock ticks of /proc's start times (USER_HZ: 100 on every Linux topo runs on). */
export function uptimeOf(start: number): number {
  const boot = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Math.max(0, boot - start / 100);
}

/** Is a socket listening on TCP `port` in the network namespace of `pid` (/proc/<pid>/net/tcp and tcp6)? */
export function listening(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try { text = readFileSync(`/proc/${pid}/net/${f}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

// ---- Start and stop ----

/** Runs one process command; its failure is a result (exit 1, the reason on stderr), like a command's. */
export async function runProcessCmd(cmd: Cmd): Promise<RunResult> {
  const [op, ns, name, lab] = cmd.args;
  try {
    if (op === 'start') await start(ns, name, lab, JSON.parse(cmd.input ?? '{}') as StartSpec);
    else if (op === 'ready') await readyAgain(ns, name, lab, JSON.parse(cmd.input ?? '{}') as StartSpec);
    else if (op === 'stop') await stopProcess(ns, name, lab);
    else throw new Error(`unknown process operation ${JSON.stringify(op)}`);
    return { stdout: '', stderr: '', exitCode: 0 };
  } catch (e) {
    return { stdout: '', stderr: `${(e as Error).message}\n`, exitCode: 1 };
  }
}

/** The processes that are the lab's NAME in NS (the marker and the namespace), found now. */
export function ownedProcs(ns: string, name: string, lab: string): ProcInfo[] {
  const ino = nsInode(`/run/netns/${ns}`);
  if (ino === undefined) return [];
  return scanProcs(new Map([[ino, ns]])).filter((p) => p.lab === lab && p.run === name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (p: { pid: number; start: number }) => { const st = procStat(p.pid); return Boolean(st && st.state !== 'Z' && st.start === p.start); };

function signal(p: ProcInfo, sig: NodeJS.Signals): void {
  // Checked again right before: the pid still names the process found (same start time).
  if (!alive(p)) return;
  try { process.kill(p.pid, sig); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
}

/** SIGTERM, STOP_GRACE_MS, SIGKILL, to every process proven the lab's NAME; resolves once none is left. */
export async function stopProcess(ns: string, name: string, lab: string, graceMs = STOP_GRACE_MS): Promise<void> {
  // The oldest first: a restart loop before the command it runs, so that it ends before it could start it again.
  let procs = ownedProcs(ns, name, lab).sort((a, b) => a.start - b.start || a.pid - b.pid);
  for (const p of procs) signal(p, 'SIGTERM');
  for (let waited = 0; procs.some(alive) && waited < graceMs; waited += POLL_MS) await sleep(POLL_MS);
  // Descendants started since the scan are found again.
  procs = [...procs.filter(alive), ...ownedProcs(ns, name, lab)];
  for (const p of procs) signal(p, 'SIGKILL');
  for (let waited = 0; procs.some(alive) && waited < 5000; waited += POLL_MS) await sleep(POLL_MS);
  if (procs.some(alive)) throw new Error(`process ${name} in ${ns}: still running after SIGKILL (pid ${procs.filter(alive).map((p) => p.pid).join(', ')})`);
  const dir = logDir(lab);
  if (dir) for (const f of [pidPath(dir, name), restartsPath(dir, name)]) try { unlinkSync(f); } catch { /* none */ }
}

/** Is `cmd` a program PATH (or the path itself) holds? */
function findProgram(cmd: string, env: Record<string, string | undefined>): boolean {
  const ok = (p: string) => { try { accessSync(p, C.X_OK); return statSync(p).isFile(); } catch { return false; } };
  if (cmd.includes('/')) return ok(cmd);
  return (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && ok(join(d, cmd)));
}


/**
 * A process's environment, clean as systemd, munet and docker start theirs: PATH (topo's), HOME, USER and LOGNAME
 * of the user it runs as, LANG when topo has one, then the spec's `env`, then the markers (which `env` can't
 * override). Nothing else of topo's environment (no TERM, no SUDO_*, no TOPO_* settings of topo's own).
 */
export function processEnv(spec: StartSpec, lab: string, name: string, who: { name: string; home: string }): Record<string, string> {
  return {
    PATH: process.env.PATH || DEFAULT_PATH, HOME: who.home, USER: who.name, LOGNAME: who.name,
    ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
    ...spec.env, TOPO_LAB: lab, TOPO_RUN: name, TOPO_SPEC: spec.spec,
  };
}

/** The restarts of a process, as its restart loop counted them (0 without one, or none yet). */
export function restartsOf(lab: string, name: string): number {
  const dir = logDir(lab);
  if (!dir) return 0;
  try { return Number(readFileSync(restartsPath(dir, name), 'utf8').trim()) || 0; } catch { return 0; }
}

function commandArgv(spec: StartSpec, name: string, dir: string, who: Identity | undefined): string[] {
  return processArgv(spec.argv, { name, counter: restartsPath(dir, name), ...(spec.restart ? { restart: spec.restart } : {}),
    ...(who ? { as: { uid: who.uid, gid: who.gid, initGroups: who.inPasswd } } : {}) });
}

async function start(ns: string, name: string, lab: string, spec: StartSpec): Promise<void> {
  const what = `process ${name} in ${ns}`;
  let who: Identity | undefined;
  try { who = spec.user !== undefined ? resolveIdentity(spec.user, spec.group) : undefined; } catch (e) { throw new Error(`${what}: ${(e as Error).message}`); }
  const self = passwdOf(process.getuid?.() ?? 0);
  const env = processEnv(spec, lab, name, who ?? { name: self?.name ?? String(process.getuid?.() ?? 0), home: self?.home ?? '/' });
  if (who && !findProgram('setpriv', env)) throw new Error(`${what}: running it as user ${spec.user} needs setpriv (Debian package util-linux), which is not in PATH`);
  if (!findProgram(spec.argv[0], env)) throw new Error(`${what}: command ${JSON.stringify(spec.argv[0])} not found${spec.argv[0].includes('/') ? '' : ' in PATH'}`);
  if (spec.cwd && !statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${what}: working directory ${spec.cwd} does not exist`);
  const dir = logDir(lab, true)!;
  try { unlinkSync(restartsPath(dir, name)); } catch { /* none */ }
  // The log is opened here, by topo, before the command runs: a process running as another user writes to it all the same.
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a', 0o600);
  chmodSync(log, 0o600);
  // Before the spawn: an apply killed between the spawn and the pid's record still leaves the process "starting".
  writeFileSync(pidPath(dir, name), 'starting\n', { mode: 0o600 });
  let exited: string | undefined;
  let pid: number;
  try {
    const child = spawn('ip', ['netns', 'exec', ns, ...commandArgv(spec, name, dir, who)], { detached: true, stdio: ['ignore', fd, fd], env, ...(spec.cwd ? { cwd: spec.cwd } : {}) });
    await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
    child.on('exit', (code, sig) => { exited = sig ? `was killed by ${sig}` : `exited with status ${code}`; });
    child.unref();
    pid = child.pid!;
  } finally { closeSync(fd); }
  const st = procStat(pid);
  // "starting" until its ready check passes: an apply killed before then leaves the next one to wait for it.
  if (st) writeFileSync(pidPath(dir, name), `${pid} ${st.start} starting\n`, { mode: 0o600 });
  await untilReady(ns, name, lab, spec, pid, env, () => exited);
  if (st) writeFileSync(pidPath(dir, name), `${pid} ${st.start}\n`, { mode: 0o600 });
}

/**
 * The ready check of a process that runs (pid), until it passes; `exited` says why it is gone, once it is. A failure
 * stops the process and says why, with the last lines of its log. Without a check: it must not exit in SETTLE_MS.
 */
async function untilReady(ns: string, name: string, lab: string, spec: StartSpec, pid: number, env: Record<string, string>, exited: () => string | undefined): Promise<void> {
  const what = `process ${name} in ${ns}`;
  const log = logPath(lab, name);
  const fail = async (why: string) => {
    await stopProcess(ns, name, lab, 1000).catch(() => undefined);
    const tail = logTail(lab, name);
    throw new Error(`${what}: ${why}${tail ? `; the last lines of its log (${log}):\n${tail.replace(/^/gm, '    ')}` : ` (its log, ${log}, is empty)`}`);
  };
  const gone = () => { const e = exited(); return e && (spec.restart ? `${e} (the restart loop's, after ${restartsOf(lab, name)} restarts)` : e); };
  // The ready command runs in the process's environment but without the markers: it is no process of the lab's.
  const checkEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('TOPO_')));
  const r = spec.ready;
  if (!r) {
    await sleep(SETTLE_MS);
    if (gone()) await fail(`${gone()} right after it started`);
    return;
  }
  const timeout = (spec.timeout ?? 10) * 1000;
  const t0 = Date.now();
  for (;;) {
    if (gone()) await fail(`${gone()} before it was ready`);
    if (await isReady(ns, pid, r, checkEnv)) return;
    if (Date.now() - t0 >= timeout) await fail(`not ready after ${spec.timeout ?? 10}s (${readyText(r)})`);
    await sleep(100);
  }
}

/** A process already running that an apply started but never saw ready (it was killed meanwhile): its ready check again. */
async function readyAgain(ns: string, name: string, lab: string, spec: StartSpec): Promise<void> {
  const dir = logDir(lab, true)!;
  let main: { pid: number; start: number } | undefined = readProcTool([lab, ns]).main[name];
  // Killed before it wrote the pid down: the oldest of the lab's processes of that name is the one it started.
  if (main?.pid === 0) main = ownedProcs(ns, name, lab).sort((a, b) => a.start - b.start)[0];
  if (!main || !alive(main)) throw new Error(`process ${name} in ${ns}: not running any more (pid ${main?.pid ?? '?'})`);
  const self = passwdOf(process.getuid?.() ?? 0);
  const env = processEnv(spec, lab, name, { name: self?.name ?? 'root', home: self?.home ?? '/' });
  await untilReady(ns, name, lab, spec, main.pid, env, () => (alive(main) ? undefined : 'exited'));
  writeFileSync(pidPath(dir, name), `${main.pid} ${main.start}\n`, { mode: 0o600 });
}

export const readyText = (r: ReadySpec): string =>
  r.tcp !== undefined ? `nothing listening on TCP port ${r.tcp}` : r.file !== undefined ? `no file ${r.file}` : `"${r.command}" did not succeed`;

/** The ready check, once. */
export async function isReady(ns: string, pid: number, r: ReadySpec, env: Record<string, string | undefined> = { PATH: process.env.PATH || DEFAULT_PATH }): Promise<boolean> {
  if (r.tcp !== undefined) return listening(pid, r.tcp);
  if (r.file !== undefined) return existsSync(r.file);
  if (r.command !== undefined) {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', ns, 'sh', '-c', r.command!], { env, timeout: 5000 }, (err) => resolve(!err));
    });
  }
  return true;
}

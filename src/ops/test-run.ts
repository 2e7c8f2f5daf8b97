// Running the lab's tests: one process per probe from inside its namespace — `ping`, a small Node client for tcp
// and http (this same Node, `node -e`: nothing to install, one process for all of a test's tries), or the test's
// command — in parallel with a bounded pool, each with a deadline. A probe passes when what happened is what the
// file expects; one that could not run at all (missing namespace, no ping) is an error and fails. A test with
// `until` is tried again every `interval` until it holds or the time is up (a daemon still starting): ping and
// command by running them again, tcp and http inside their one client process. Each try has a time limit: the
// test's `timeout:`, else the run's (--timeout) for ping, tcp and http, COMMAND_TIMEOUT_S for a command, which is
// run under coreutils' `timeout` so that it is stopped with everything it started (its process group).
import { HOST, type Topology } from '../model.js';
import { listNetns } from '../io/read-live.js';
import { PARALLEL, pool } from '../io/pool.js';
import type { Runner } from '../io/runner.js';
import { probesOf, type Probe } from './connectivity.js';

/** reachable/unreachable (ping); open/refused/unreachable/timeout (tcp); a status or a failure (http); "exit N"; error. */
export type Outcome = string;
export interface ProbeResult extends Probe { result: Outcome; ok: boolean; ms: number; detail?: string; attempts: number }
export interface TestReport { lab: string; ok: boolean; passed: number; failed: number; results: ProbeResult[]; ms: number }

export interface TestOptions { run: Runner; /** Seconds a target has to answer each try (ping -w, the tcp/http client). */ timeoutS?: number }

export const DEFAULT_TIMEOUT_S = 2;
/** Seconds a test's command may run, each try. */
export const COMMAND_TIMEOUT_S = 30;

export async function runTests(topo: Topology, opts: TestOptions): Promise<TestReport> {
  const t0 = Date.now();
  const netns = new Set(await listNetns(opts.run));
  const deadline = opts.timeoutS ?? DEFAULT_TIMEOUT_S;
  const results = await pool(probesOf(topo), PARALLEL, (p) => probe(opts.run, p, netns, deadline));
  const failed = results.filter((r) => !r.ok).length;
  return { lab: topo.name, ok: failed === 0, passed: results.length - failed, failed, results, ms: Date.now() - t0 };
}

/** ping until the first answer (-c 1) or the deadline (-w), sending every 0.2 s. */
export function pingArgv(from: string, address: string, deadlineS: number): string[] {
  return inNs(from, ['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', String(deadlineS), address]);
}

const inNs = (from: string, argv: string[]): string[] => (from === HOST ? argv : ['ip', 'netns', 'exec', from, ...argv]);

type Try = { result: Outcome; detail?: string };

async function probe(run: Runner, p: Probe, netns: Set<string>, deadlineS: number): Promise<ProbeResult> {
  const t0 = Date.now();
  const done = (r: Try, attempts: number): ProbeResult =>
    ({ ...p, result: r.result, ok: holds(p, r.result), ms: Date.now() - t0, attempts, ...(r.detail ? { detail: r.detail } : {}) });
  if (p.from !== HOST && !netns.has(p.from)) return { ...done({ result: 'error', detail: `namespace ${p.from} does not exist: apply the lab first` }, 0), ms: 0 };
  if (p.type === 'tcp' || p.type === 'http') {
    const r = await client(run, p, p.timeoutMs !== undefined ? p.timeoutMs / 1000 : deadlineS);
    return done(r, r.attempts);
  }
  // ping's deadline is in whole seconds.
  const once = p.type === 'ping' ? () => ping(run, p, p.timeoutMs !== undefined ? Math.ceil(p.timeoutMs / 1000) : deadlineS) : () => command(run, p);
  const end = t0 + p.untilMs;
  for (let n = 1; ; n++) {
    const r = await once();
    if (holds(p, r.result) || r.result === 'error' || Date.now() + p.intervalMs > end) return done(r, n);
    await new Promise((resolve) => setTimeout(resolve, p.intervalMs));
  }
}

/** Does the outcome match the expectation? tcp's `closed` is any outcome but open; a command's, its exit and output. */
export function holds(p: Pick<Probe, 'type' | 'expect'>, result: Outcome): boolean {
  if (p.type === 'tcp' && p.expect === 'closed') return ['refused', 'unreachable', 'timeout'].includes(result);
  if (p.type === 'command') return result === `exit ${p.expect}`;
  return result === p.expect;
}

async function ping(run: Runner, p: Probe, deadlineS: number): Promise<Try> {
  const r = await run(pingArgv(p.from, p.address, deadlineS), { timeoutMs: (deadlineS + 5) * 1000 });
  if (r.exitCode === 0) return { result: 'reachable' };
  if (r.exitCode === 1 || /unreachable|No route to host/i.test(r.stderr)) return { result: 'unreachable', detail: r.stderr.trim() || undefined };
  return { result: 'error', detail: (r.stderr.trim() || `ping exited with ${r.exitCode}`).split('\n')[0] };
}

/** Seconds `timeout` waits after its SIGTERM before it sends SIGKILL. */
const KILL_AFTER_S = 1;

/**
 * A command test's argv: under coreutils' `timeout`, which runs it in a process group of its own and, at the
 * limit, signals the whole group (SIGTERM, then SIGKILL KILL_AFTER_S later): what the command started in the
 * background is stopped with it. Exit 124 then (or 137 after SIGKILL).
 */
export function commandRunArgv(p: Pick<Probe, 'from' | 'argv' | 'timeoutMs'>): string[] {
  const limitS = (p.timeoutMs ?? COMMAND_TIMEOUT_S * 1000) / 1000;
  return inNs(p.from, ['timeout', '-k', `${KILL_AFTER_S}s`, `${limitS}s`, ...p.argv!]);
}

/** The command in the namespace: "exit N" (with the output checked against the pattern: a mismatch says so), or timeout. */
async function command(run: Runner, p: Probe): Promise<Try> {
  const limitMs = p.timeoutMs ?? COMMAND_TIMEOUT_S * 1000;
  const t0 = Date.now();
  // The runner's own limit is a backstop only (`timeout` itself missing or stuck).
  const r = await run(commandRunArgv(p), { timeoutMs: limitMs + (KILL_AFTER_S + 10) * 1000 });
  // Not run at all: not installed (`timeout` says "failed to run command"; `ip netns exec` "exec of ... failed").
  if (((r.exitCode === 127 || r.exitCode === 126) && /command not found|failed to run command/.test(r.stderr)) || (r.exitCode === 1 && /^exec of ".*" failed/m.test(r.stderr))) {
    return { result: 'error', detail: r.stderr.trim().split('\n')[0] };
  }
  // 124: stopped at the limit (a command exiting 124 by itself before the limit is not mistaken for it); 137: killed.
  if ((r.exitCode === 124 || r.exitCode === 137) && Date.now() - t0 >= limitMs) {
    return { result: 'timeout', detail: `still running after ${limitMs / 1000} s: stopped, with what it started` };
  }
  const first = (s: string) => s.trim().split('\n')[0] ?? '';
  if (p.output !== undefined && !new RegExp(p.output, 'm').test(r.stdout)) {
    return { result: `exit ${r.exitCode}, output differs`, detail: `output: ${JSON.stringify(first(r.stdout).slice(0, 120))}` };
  }
  return { result: `exit ${r.exitCode}`, ...(r.exitCode !== Number(p.expect) && r.stderr.trim() ? { detail: first(r.stderr).slice(0, 200) } : {}) };
}

/**
 * The tcp/http client, run by this same Node in the namespace: tries until the outcome is one of `want` or `until`
 * passed, and prints the last outcome as JSON. tcp: open (connected), refused (RST, or ICMP port unreachable),
 * unreachable (ICMP host/net unreachable), timeout (no answer). http: the response's status, or those failures.
 */
const CLIENT = `
const s = JSON.parse(process.argv[1]);
const fail = (e) => ({ result: e.code === 'ECONNREFUSED' ? 'refused' : /UNREACH/.test(e.code || '') ? 'unreachable' : e.code === 'ETIMEDOUT' ? 'timeout' : 'error', detail: e.message });
const once = () => new Promise((done) => {
  if (s.port) {
    // Connected: closed politely (FIN, what the server says read and dropped), never reset under a server that
    // is still writing its greeting (some die of an unexpected ECONNRESET).
    const c = require('net').connect({ host: s.host, port: s.port });
    let open = false;
    const t = setTimeout(() => { c.destroy(); done({ result: open ? 'open' : 'timeout' }); }, s.timeoutMs);
    c.on('connect', () => { open = true; c.end(); c.resume(); });
    c.on('close', () => { clearTimeout(t); if (open) done({ result: 'open' }); });
    c.on('error', (e) => { clearTimeout(t); done(open ? { result: 'open' } : fail(e)); });
  } else {
    // https: the certificate checked against the system's CAs and the name (servername when the URL named a
    // namespace, connected to by address), unless insecure.
    const tls = s.url.startsWith('https:');
    const opts = { timeout: s.timeoutMs, ...(tls ? { rejectUnauthorized: !s.insecure, ...(s.servername ? { servername: s.servername } : {}) } : {}) };
    const req = require(tls ? 'https' : 'http').get(s.url, opts, (res) => { res.resume(); done({ result: String(res.statusCode) }); });
    req.on('timeout', () => { req.destroy(); done({ result: 'timeout' }); });
    req.on('error', (e) => done(fail(e)));
  }
});
(async () => {
  const end = Date.now() + s.untilMs;
  let r, n = 0;
  for (;;) {
    r = await once(); n++;
    if (s.want.includes(r.result) || Date.now() + s.intervalMs > end) break;
    await new Promise((f) => setTimeout(f, s.intervalMs));
  }
  process.stdout.write(JSON.stringify({ ...r, attempts: n }) + '\\n');
  process.exit(0);
})();`;

/** The outcomes that satisfy a tcp/http probe (the client stops trying on one). */
const wanted = (p: Probe): string[] => (p.type === 'tcp' && p.expect === 'closed' ? ['refused', 'unreachable', 'timeout'] : [p.expect]);

export function clientArgv(p: Probe, deadlineS: number): string[] {
  const spec = { ...(p.type === 'tcp' ? { host: p.host, port: p.port } : { url: p.address, insecure: !!p.insecure, ...(p.servername ? { servername: p.servername } : {}) }),
    timeoutMs: Math.round(deadlineS * 1000),
    untilMs: p.untilMs, intervalMs: p.intervalMs, want: wanted(p) };
  return inNs(p.from, [process.execPath, '-e', CLIENT, JSON.stringify(spec)]);
}

async function client(run: Runner, p: Probe, deadlineS: number): Promise<Try & { attempts: number }> {
  const r = await run(clientArgv(p, deadlineS), { timeoutMs: p.untilMs + (deadlineS + 30) * 1000 });
  try {
    const out = JSON.parse(r.stdout.trim()) as Try & { attempts: number };
    if (r.exitCode === 0 && typeof out.result === 'string') return { attempts: out.attempts, result: out.result, ...(out.detail && out.result === 'error' ? { detail: out.detail } : {}) };
  } catch { /* below */ }
  return { result: 'error', attempts: 1, detail: (r.stderr.trim() || `the ${p.type} client exited with ${r.exitCode}`).split('\n')[0] };
}

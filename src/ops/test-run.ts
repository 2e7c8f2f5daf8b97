// Running the lab's connectivity tests: one `ping` per probe from inside its namespace, in parallel with a
// bounded pool, each with a deadline. A probe passes when what happened (reachable / unreachable) is what the
// file expects; a ping that could not run at all (missing namespace, no ping) is an error and fails.
import { HOST, type Topology } from '../model.js';
import { listNetns } from '../io/read-live.js';
import { PARALLEL, pool } from '../io/pool.js';
import type { Runner } from '../io/runner.js';
import { probesOf, type Probe } from './connectivity.js';

export type Outcome = 'reachable' | 'unreachable' | 'error';
export interface ProbeResult extends Probe { result: Outcome; ok: boolean; ms: number; detail?: string }
export interface TestReport { lab: string; ok: boolean; passed: number; failed: number; results: ProbeResult[]; ms: number }

export interface TestOptions { run: Runner; /** Seconds a reachable target has to answer (ping -w). */ timeoutS?: number }

export const DEFAULT_TIMEOUT_S = 2;

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
  const ping = ['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', String(deadlineS), address];
  return from === HOST ? ping : ['ip', 'netns', 'exec', from, ...ping];
}

async function probe(run: Runner, p: Probe, netns: Set<string>, deadlineS: number): Promise<ProbeResult> {
  const done = (result: Outcome, ms: number, detail?: string): ProbeResult =>
    ({ ...p, result, ok: result === p.expect, ms, ...(detail ? { detail } : {}) });
  if (p.from !== HOST && !netns.has(p.from)) return done('error', 0, `namespace ${p.from} does not exist: apply the lab first`);
  const t0 = Date.now();
  const r = await run(pingArgv(p.from, p.address, deadlineS), { timeoutMs: (deadlineS + 5) * 1000 });
  const ms = Date.now() - t0;
  if (r.exitCode === 0) return done('reachable', ms);
  if (r.exitCode === 1 || /unreachable|No route to host/i.test(r.stderr)) return done('unreachable', ms, r.stderr.trim() || undefined);
  return done('error', ms, (r.stderr.trim() || `ping exited with ${r.exitCode}`).split('\n')[0]);
}

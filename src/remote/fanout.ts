// The fan-out: a command on a lab that spans machines, run from one place by driving topo on every host (remote/
// hosts-run.ts) with its slice (`--host H`), the file handed over on standard input (`-`). Each phase is one
// process per host, every host at once; a preflight first checks that every host is reached and runs a
// compatible topo, before anything changes anywhere. apply is two phases: every host plans, then every host
// applies; when a host fails (its own apply rolls it back), the hosts that changed go back to what they had.
import { answerOf, combinedDoc, SSH_FAILED, hostsError, preflightError, rollbacks, type HostAnswer, type HostError, type HostPlan, type HostTests, type Rollback } from './combined.js';
import type { HostsRun } from './hosts-run.js';

export interface FanOut {
  run: HostsRun;
  /** The lab's name (the whole file's). */
  lab: string;
  /** The file's text, handed to every host. */
  text: string;
  /** This topo's version: a host's must be compatible. */
  version: string;
}

const failures = <D>(answers: HostAnswer<D>[]) => answers.filter((a): a is Extract<HostAnswer<D>, { ok: false }> => !a.ok);
const docs = <D>(answers: HostAnswer<D>[]) => Object.fromEntries(answers.filter((a): a is Extract<HostAnswer<D>, { ok: true }> => a.ok).map((a) => [a.host, a.doc]));

/** Every host reached (its shared connection opened) and running a compatible topo; else an error naming each host that isn't. */
export async function preflight(f: FanOut): Promise<void> {
  const conn = await f.run.connect();
  const down = conn.filter((r) => r.exitCode !== 0).map((r) => ({ host: r.host, error: preflightError(r, f.version)!, exitCode: 1 }));
  const up = conn.filter((r) => r.exitCode === 0).map((r) => r.host);
  const versions = await f.run.each(up, () => ['--version']);
  const bad = versions.map((r) => ({ host: r.host, error: preflightError(r, f.version), exitCode: 1 })).filter((x): x is { host: string; error: HostError; exitCode: number } => x.error !== undefined);
  if (down.length || bad.length) throw hostsError('preflight failed (nothing was changed on any host)', [...down, ...bad]);
}

/** Phase 1: every host's plan of its slice (refused as the host's own plan would be: a conflict, an invalid part). */
export async function planAll(f: FanOut): Promise<Record<string, HostPlan>> {
  const answers = (await f.run.each(f.run.hosts, (h) => ['plan', '-', '--host', h, '--json'], () => f.text)).map((r) => answerOf<HostPlan>(r));
  const failed = failures(answers);
  if (failed.length) throw hostsError('plan failed (nothing was changed on any host)', failed);
  return docs(answers);
}

export interface ApplyAllOptions { rollback?: boolean; wait?: number; onPlan?: (plans: Record<string, HostPlan>) => void }
interface HostApplied { ok: boolean; lab: string; changed: boolean; ms: number; plan: HostPlan; warnings: { code: string; message: string }[] }

/** What a rollback did on one host. */
export type RollbackDone = Rollback & { ok: boolean; error?: string };

/** preflight, phase 1 (plan everywhere), phase 2 (apply everywhere); a failure rolls back the hosts that changed. */
export async function applyAll(f: FanOut, o: ApplyAllOptions = {}) {
  const t0 = performance.now();
  await preflight(f);
  const plans = await planAll(f);
  o.onPlan?.(plans);
  const args = (h: string) => ['apply', '-', '--host', h, '--json', ...(o.wait !== undefined ? ['--wait', String(o.wait)] : []), ...(o.rollback === false ? ['--no-rollback'] : [])];
  const answers = (await f.run.each(f.run.hosts, args, () => f.text)).map((r) => answerOf<HostApplied>(r));
  const failed = failures(answers);
  if (failed.length) {
    const previous = Object.fromEntries(Object.entries(plans).map(([h, p]) => [h, p.recorded_file]));
    const done = o.rollback === false ? [] : await rollBack(f, rollbacks(answers, previous));
    const said = done.filter((d) => d.action === 'reapply' || d.action === 'destroy' || d.action === 'unknown').map(rollbackText);
    const e = hostsError('apply failed', failed, { applied: docs(answers), rollback: done });
    e.message += `\nacross hosts: ${o.rollback === false ? '--no-rollback: the hosts that applied keep their changes' : said.length ? said.join('; ') : 'no other host had changed'}`;
    throw e;
  }
  const applied = docs(answers);
  return combinedDoc(f.lab, applied, { changed: Object.values(applied).some((d) => d.changed), ms: Math.round(performance.now() - t0) });
}

function rollbackText(d: RollbackDone): string {
  if (d.action === 'unknown') return `${d.host}: state unknown (${d.why})`;
  const what = d.action === 'reapply' ? `re-applied ${d.file}` : 'its part destroyed (it had none before)';
  return d.ok ? `${d.host} rolled back: ${what}` : `${d.host} NOT rolled back (${what} failed: ${d.error})`;
}

/** Each host's rollback, every host at once: the previous file re-applied there, or its slice destroyed. */
async function rollBack(f: FanOut, plan: Rollback[]): Promise<RollbackDone[]> {
  return Promise.all(plan.map(async (r): Promise<RollbackDone> => {
    if (r.action !== 'reapply' && r.action !== 'destroy') return { ...r, ok: r.action === 'none' };
    const run = r.action === 'reapply' ? await f.run.one(r.host, ['apply', r.file, '--host', r.host, '--json'])
      : await f.run.one(r.host, ['destroy', '-', '--host', r.host, '--json'], f.text);
    const a = answerOf(run);
    return a.ok ? { ...r, ok: true } : { ...r, ok: false, error: a.error.message };
  }));
}

/** The command's JSON document from every host (after preflight); an error naming every host that failed. */
async function everyHost<D>(f: FanOut, what: string, args: (h: string) => string[], o: { preflight?: boolean } = {}): Promise<Record<string, D>> {
  if (o.preflight !== false) await preflight(f);
  const answers = (await f.run.each(f.run.hosts, args, () => f.text)).map((r) => answerOf<D>(r));
  const failed = failures(answers);
  if (failed.length) throw hostsError(`${what} failed`, failed, { done: docs(answers) });
  return docs(answers);
}

export async function planEvery(f: FanOut): Promise<Record<string, HostPlan>> {
  await preflight(f);
  return planAll(f);
}

export const showEvery = (f: FanOut) => everyHost<{ ok: boolean }>(f, 'show', (h) => ['show', '-', '--host', h, '--json']);

/** Every host's tests; `preflight: false` right after an apply, whose preflight has just run. */
export const testEvery = (f: FanOut, timeoutS: number, o: { preflight?: boolean } = {}) =>
  everyHost<HostTests>(f, 'test', (h) => ['test', '-', '--host', h, '--json', '--timeout', String(timeoutS)], o);

/** Every host's slice destroyed, at once; a host that fails is named, the others' documents kept in the error. */
export const destroyEvery = (f: FanOut, wait?: number) =>
  everyHost<{ ok: boolean; lab: string; changed: boolean; ms: number; plan: HostPlan; warnings: string[] }>(f, 'destroy',
    (h) => ['destroy', '-', '--host', h, '--json', ...(wait !== undefined ? ['--wait', String(wait)] : [])]);

/** Each host's text output of a command (show's text), in host order; an error when a host's command failed. */
export async function textEvery(f: FanOut, args: (h: string) => string[]): Promise<Record<string, string>> {
  await preflight(f);
  const runs = await f.run.each(f.run.hosts, args, () => f.text);
  const failed = runs.filter((r) => r.exitCode !== 0).map((r) => {
    const a = r.exitCode === SSH_FAILED ? answerOf(r) : undefined;
    return a && !a.ok ? { host: r.host, exitCode: 1, error: a.error }
      : { host: r.host, exitCode: r.exitCode, error: { code: 'E_HOST', message: `host ${r.host}: ${r.stderr.trim().replace(/^error: /, '') || `exit ${r.exitCode}`}` } };
  });
  if (failed.length) throw hostsError('show failed', failed);
  return Object.fromEntries(runs.map((r) => [r.host, r.stdout]));
}


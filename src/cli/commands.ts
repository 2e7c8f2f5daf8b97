// The core commands: validate, plan, apply, destroy, show (program.ts declares them). Each returns its exit code;
// main.ts exits.
import { EXIT, type Problem } from '../errors.js';
import type { Plan, Topology } from '../model.js';
import { emit, rendererFor, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';

export async function load(file: string): Promise<Topology> {
  const { loadTopology } = await import('../validate/index.js');
  return loadTopology(file, { nftAvailable: await nftAvailable() });
}

export interface CheckOpts extends OutputOpts { strict?: boolean }

/**
 * The file validated, with its warnings: printed on stderr ("lab.yaml:12:7: warning: ..."), or returned for the
 * JSON document with --json. With --strict a warning is an error (exit 65).
 */
export async function loadChecked(file: string, o: CheckOpts): Promise<{ topo: Topology; warnings: Problem[] }> {
  const { loadLab, formatProblems } = await import('../validate/index.js');
  const { knownSysctls } = await import('../io/sysctl-names.js');
  const { knownUsers } = await import('../io/user-db.js');
  const { kernelConfig } = await import('../io/kernel-config.js');
  const { nftCheck } = await import('../io/nft-check.js');
  const nft = await nftAvailable();
  const r = await loadLab(file, { nftAvailable: nft, knownSysctls: knownSysctls(), knownUsers: knownUsers(), kernelConfig: kernelConfig(), nftCheck: nft ? nftCheck() : undefined, strict: o.strict });
  if (r.warnings.length && !o.json) process.stderr.write(`${formatProblems(file, r.warnings)}\n`);
  return r;
}

async function nftAvailable(): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try { await access(`${d}/nft`); return true; } catch { /* next */ }
  }
  return false;
}

async function kernel() {
  const { runProcess } = await import('../io/runner.js');
  return runProcess;
}

export async function validateCmd(file: string, o: CheckOpts): Promise<number> {
  const { topo, warnings } = await loadChecked(file, o);
  const noted = warnings.length ? `, ${warnings.length} warning(s)` : '';
  emit(o, () => `${file}: valid (lab "${topo.name}")${noted}\n`, () => ({ ok: true, valid: true, lab: topo.name, warnings }));
  return EXIT.OK;
}

export async function planCmd(file: string, o: CheckOpts & { commands?: boolean; format?: string; detailedExitcode?: boolean }): Promise<number> {
  const { topo, warnings } = await loadChecked(file, { ...o, json: o.json || o.format === 'json' });
  requireRoot('topo plan');
  const { loadContext, observe } = await import('../ops/observe.js');
  const { renderPlanText, renderPlanScript, planJson } = await import('../render/plan.js');
  const { conflictError } = await import('../ops/conflicts.js');
  const { isEmpty } = await import('../core/order.js');
  const { scriptRecords } = await import('../kinds/index.js');
  const obs = await observe(await kernel(), topo, await loadContext(topo.name));
  if (obs.conflicts.length) throw conflictError(topo.name, obs.conflicts, obs.snap);
  const format = o.json ? 'json' : o.format ?? 'text';
  if (format === 'sh') process.stdout.write(renderPlanScript(obs.plan, file, scriptRecords(obs.ctx.state, obs.plan, obs.desired)));
  else emit({ json: format === 'json' }, () => renderPlanText(obs.plan, { commands: o.commands }), () => ({ ...planJson(obs.plan), warnings }));
  return o.detailedExitcode && !isEmpty(obs.plan) ? EXIT.CHANGES : EXIT.OK;
}

/** Run fn holding the lab's lock (one apply/destroy per lab at a time); exit 75 when it stays busy. */
async function locked<T>(lab: string, o: { wait?: number }, fn: () => Promise<T>): Promise<T> {
  const { withLabLock, DEFAULT_WAIT_SECONDS } = await import('../io/lock.js');
  return withLabLock(lab, { waitSeconds: o.wait ?? DEFAULT_WAIT_SECONDS }, fn);
}

export async function applyCmd(file: string, o: CheckOpts & { rollback?: boolean; test?: boolean; wait?: number }): Promise<number> {
  const { topo, warnings } = await loadChecked(file, o);
  requireRoot('topo apply');
  const { apply } = await import('../ops/apply.js');
  const { planJson, renderPlanText, summary } = await import('../render/plan.js');
  const run = await kernel();
  // Plan first: the plan is printed before its first command runs, the progress (standard error) follows, then
  // the summary. --quiet prints the summary alone.
  const onPlan = o.json || o.quiet ? undefined : (plan: Plan) => { process.stdout.write(renderPlanText(plan)); };
  const r = await locked(topo.name, o, () => apply(topo, { run, renderer: rendererFor(o), rollback: o.rollback !== false, onPlan }));
  const n = summary(r.plan);
  const text = () => r.changed
    ? `Apply complete: ${n.create} created, ${n.update} changed, ${n.delete} deleted in ${(r.ms / 1000).toFixed(2)} s; verified.\n`
    : `No changes. Lab "${r.lab}" already matches ${file}.\n`;
  const tests = o.test ? await (await import('./extra-commands.js')).labTests(topo, await kernel()) : undefined;
  emit(o, () => `${text()}${tests ? `\n${tests.text}` : ''}`,
    () => ({ ok: tests?.ok ?? true, lab: r.lab, changed: r.changed, ms: r.ms, plan: planJson(r.plan),
      warnings: [...warnings, ...r.warnings], ...(tests ? { tests: tests.json } : {}) }));
  if (!o.json) for (const w of r.warnings) process.stderr.write(`warning: ${w.message}\n`);
  return tests && !tests.ok ? EXIT.FAILED : EXIT.OK;
}

export async function destroyCmd(file: string, o: OutputOpts & { wait?: number }): Promise<number> {
  requireRoot('topo destroy');
  const { labOf } = await import('./lab-of.js');
  const { name, namespaces } = await labOf(file);
  const { destroy } = await import('../ops/destroy.js');
  const { planJson, summary } = await import('../render/plan.js');
  const run = await kernel();
  const r = await locked(name, o, () => destroy(name, { run, renderer: rendererFor(o), declaredNamespaces: namespaces }));
  const n = summary(r.plan);
  const text = r.changed ? `Destroyed lab "${name}": ${n.delete} object(s) removed in ${(r.ms / 1000).toFixed(2)} s; verified nothing is left.\n`
    : `Nothing to destroy: lab "${name}" owns nothing in the kernel.\n`;
  emit(o, () => text, () => ({ ok: true, lab: name, changed: r.changed, ms: r.ms, plan: planJson(r.plan), warnings: r.warnings }));
  if (!o.json) for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  return EXIT.OK;
}

export async function showCmd(file: string, o: OutputOpts): Promise<number> {
  const topo = await load(file);
  requireRoot('topo show');
  const { loadContext, observe } = await import('../ops/observe.js');
  const { showJson, showText } = await import('../render/show.js');
  const obs = await observe(await kernel(), topo, await loadContext(topo.name));
  emit(o, () => showText(obs), () => showJson(obs));
  return EXIT.OK;
}

// The core commands: validate, plan, apply, destroy, show (program.ts declares them). Each is the library's call
// (src/api/host.ts) with the output the CLI adds: text or --json, warnings on stderr, its exit code (main.ts exits).
import { EXIT, type Problem } from '../errors.js';
import type { Topology } from '../model.js';
import type { TopoEvent } from '../api/documents.js';
import type { LabSpec } from '../api/source.js';
import { emit, rendererFor, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';

const api = () => import('../api/host.js');

export async function load(file: string): Promise<Topology> {
  const { loadTopology } = await import('../validate/index.js');
  const { nftAvailable } = await import('../api/source.js');
  return loadTopology(file, { nftAvailable: await nftAvailable() });
}

/** The file's lab as the library's calls take it, validated as `load` does (show, test, exec). */
export async function loadSpec(file: string): Promise<LabSpec> {
  const topo = await load(file);
  return { name: topo.name, topology: topo, warnings: [], file };
}

export interface CheckOpts extends OutputOpts { strict?: boolean }

/**
 * The file validated, with its warnings: printed on stderr ("lab.yaml:12:7: warning: ..."), or returned for the
 * JSON document with --json. With --strict a warning is an error (exit 65).
 */
export async function loadChecked(file: string, o: CheckOpts): Promise<{ topo: Topology; warnings: Problem[]; spec: LabSpec }> {
  const { formatProblems } = await import('../validate/index.js');
  const spec = await (await import('../api/source.js')).load({ file }, { strict: o.strict });
  const warnings = [...spec.warnings];
  if (warnings.length && !o.json) process.stderr.write(`${formatProblems(file, warnings)}\n`);
  return { topo: spec.topology, warnings, spec };
}

export async function validateCmd(file: string, o: CheckOpts): Promise<number> {
  const { topo, warnings } = await loadChecked(file, o);
  const noted = warnings.length ? `, ${warnings.length} warning(s)` : '';
  emit(o, () => `${file}: valid (lab "${topo.name}")${noted}\n`, () => ({ ok: true, valid: true, lab: topo.name, warnings }));
  return EXIT.OK;
}

export async function planCmd(file: string, o: CheckOpts & { commands?: boolean; format?: string; detailedExitcode?: boolean }): Promise<number> {
  const { spec, warnings } = await loadChecked(file, { ...o, json: o.json || o.format === 'json' });
  const { renderPlanText, renderPlanScript, planJson } = await import('../render/plan.js');
  const { isEmpty } = await import('../core/order.js');
  const { scriptRecords } = await import('../kinds/index.js');
  const obs = await (await api()).planned(spec);
  const format = o.json ? 'json' : o.format ?? 'text';
  if (format === 'sh') process.stdout.write(renderPlanScript(obs.plan, file, scriptRecords(obs.ctx.state, obs.plan, obs.desired)));
  else emit({ json: format === 'json' }, () => renderPlanText(obs.plan, { commands: o.commands }), () => ({ ...planJson(obs.plan), warnings }));
  return o.detailedExitcode && !isEmpty(obs.plan) ? EXIT.CHANGES : EXIT.OK;
}

export async function applyCmd(file: string, o: CheckOpts & { rollback?: boolean; test?: boolean; wait?: number }): Promise<number> {
  const { spec, warnings } = await loadChecked(file, o);
  const { renderPlanText } = await import('../render/plan.js');
  // Plan first: the plan is printed before its first command runs, the progress (standard error) follows, then
  // the summary. --quiet prints the summary alone.
  const onEvent = o.json || o.quiet ? undefined : (e: TopoEvent) => { if (e.type === 'plan' && e.steps) process.stdout.write(renderPlanText(e.steps)); };
  const r = await (await api()).apply(spec, { renderer: rendererFor(o), rollback: o.rollback !== false, onEvent, waitSeconds: o.wait });
  const n = r.plan.summary;
  const text = () => r.changed
    ? `Apply complete: ${n.create} created, ${n.update} changed, ${n.delete} deleted in ${(r.ms / 1000).toFixed(2)} s; verified.\n`
    : `No changes. Lab "${r.lab}" already matches ${file}.\n`;
  const tests = o.test ? await (await import('./extra-commands.js')).labTests(spec) : undefined;
  emit(o, () => `${text()}${tests ? `\n${tests.text}` : ''}`, () => ({ ...r, ok: tests?.ok ?? true, ...(tests ? { tests: tests.json } : {}) }));
  // The apply's own warnings (the file's were printed as it was read).
  if (!o.json) for (const w of r.warnings.slice(warnings.length)) process.stderr.write(`warning: ${w.message}\n`);
  return tests && !tests.ok ? EXIT.FAILED : EXIT.OK;
}

export async function destroyCmd(file: string, o: OutputOpts & { wait?: number }): Promise<number> {
  requireRoot('topo destroy');
  const { labOf } = await import('./lab-of.js');
  const { name, namespaces } = await labOf(file);
  const r = await (await api()).destroyLab(name, namespaces, { renderer: rendererFor(o), waitSeconds: o.wait });
  const n = r.plan.summary;
  const text = r.changed ? `Destroyed lab "${name}": ${n.delete} object(s) removed in ${(r.ms / 1000).toFixed(2)} s; verified nothing is left.\n`
    : `Nothing to destroy: lab "${name}" owns nothing in the kernel.\n`;
  emit(o, () => text, () => r);
  if (!o.json) for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  return EXIT.OK;
}

export async function showCmd(file: string, o: OutputOpts): Promise<number> {
  const spec = await loadSpec(file);
  const { showJson, showText } = await import('../render/show.js');
  const obs = await (await api()).observed(spec, 'topo show');
  emit(o, () => showText(obs), () => showJson(obs));
  return EXIT.OK;
}

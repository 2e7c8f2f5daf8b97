// The core commands: validate, plan, apply, destroy, show (program.ts declares them). Each is the library's call
// (src/api/host.ts) with the output the CLI adds: text or --json, warnings on stderr, its exit code (main.ts exits).
import { EXIT, type Problem } from '../errors.js';
import type { Topology } from '../model.js';
import type { TopoEvent } from '../api/documents.js';
import type { LabSpec } from '../api/source.js';
import { sourceName } from '../validate/stdin.js';
import { emit, rendererFor, type OutputOpts } from './output.js';
import type { PartOpts } from './instance-option.js';

const api = () => import('../api/host.js');
/** A file that spans machines, without --host: the command drives every host over ssh (cli/fanout-commands.ts). */
const fan = () => import('./fanout-commands.js');
const fansOut = async (file: string, o: PartOpts) => (await (await fan()).fanOutMachines(file, o)) !== undefined;

/**
 * The validated file as the command works on it: with machines:, the part of one host (--host, or the only one;
 * cli/host-option.ts); with --name, a copy of the lab under that name (cli/instance-option.ts).
 */
export async function load(file: string, o: PartOpts = {}): Promise<Topology> {
  const { loadTopology } = await import('../validate/index.js');
  const { nftAvailable } = await import('../api/source.js');
  return partOfFile(await loadTopology(file, { nftAvailable: await nftAvailable() }), o);
}

async function partOfFile(topo: Topology, o: PartOpts): Promise<Topology> {
  const { forInstance, bothParts } = await import('./instance-option.js');
  if (o.name !== undefined && o.host !== undefined) throw bothParts();
  return forInstance((await import('./host-option.js')).forHost(topo, o.host), o.name);
}

/** The file's lab (its part or copy, see load) as the library's calls take it, validated as `load` does (show, test, exec). */
export async function loadSpec(file: string, o: PartOpts = {}): Promise<LabSpec> {
  const topo = await load(file, o);
  return { name: topo.name, topology: topo, warnings: [], file };
}

/** `host`: --host; `whole`: the whole file even when it spans hosts (validate). */
export interface CheckOpts extends OutputOpts, PartOpts { strict?: boolean; whole?: boolean }

/**
 * The file validated, with its warnings: printed on stderr ("lab.yaml:12:7: warning: ..."), or returned for the
 * JSON document with --json. With --strict a warning is an error (exit 65).
 */
export async function loadChecked(file: string, o: CheckOpts): Promise<{ topo: Topology; warnings: Problem[]; spec: LabSpec }> {
  const { formatProblems } = await import('../validate/index.js');
  const whole = await (await import('../api/source.js')).load({ file }, { strict: o.strict });
  const warnings = [...whole.warnings];
  if (warnings.length && !o.json) process.stderr.write(`${formatProblems(sourceName(file), warnings)}\n`);
  const topo = o.whole ? whole.topology : await partOfFile(whole.topology, o);
  const spec = { ...whole, name: topo.name, topology: topo };
  return { topo, warnings, spec };
}

export async function validateCmd(file: string, o: CheckOpts): Promise<number> {
  const { topo, warnings } = await loadChecked(file, { ...o, whole: true });
  const noted = warnings.length ? `, ${warnings.length} warning(s)` : '';
  emit(o, () => `${sourceName(file)}: valid (lab "${topo.name}")${noted}\n`, () => ({ ok: true, valid: true, lab: topo.name, warnings }));
  return EXIT.OK;
}

export async function planCmd(file: string, o: CheckOpts & { commands?: boolean; format?: string; detailedExitcode?: boolean; sshConfig?: string }): Promise<number> {
  if (await fansOut(file, o)) return (await fan()).fanPlanCmd(file, o);
  const { spec, warnings } = await loadChecked(file, { ...o, json: o.json || o.format === 'json' });
  const { renderPlanText, renderPlanScript, planJson } = await import('../render/plan.js');
  const { isEmpty } = await import('../core/order.js');
  const { scriptRecords } = await import('../kinds/index.js');
  const obs = await (await api()).planned(spec);
  const format = o.json ? 'json' : o.format ?? 'text';
  if (format === 'sh') process.stdout.write(renderPlanScript(obs.plan, file, scriptRecords(obs.ctx.state, obs.plan, obs.desired)));
  // recorded_file: the file the lab was last applied from (its record's), which a fan-out's rollback re-applies.
  else emit({ json: format === 'json' }, () => renderPlanText(obs.plan, { commands: o.commands }),
    () => ({ ...planJson(obs.plan), warnings, ...(obs.ctx.state.file ? { recorded_file: obs.ctx.state.file } : {}) }));
  return o.detailedExitcode && !isEmpty(obs.plan) ? EXIT.CHANGES : EXIT.OK;
}

export async function applyCmd(file: string, o: CheckOpts & { rollback?: boolean; test?: boolean; wait?: number; sshConfig?: string }): Promise<number> {
  if (await fansOut(file, o)) return (await fan()).fanApplyCmd(file, o);
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
  if (!o.json) for (const w of r.warnings.slice(warnings.length)) process.stderr.write(`warning: ${w.message}\n${'hint' in w && w.hint ? `hint: ${w.hint}\n` : ''}`);
  return tests && !tests.ok ? EXIT.FAILED : EXIT.OK;
}

export async function destroyCmd(file: string | undefined, o: OutputOpts & PartOpts & { wait?: number; lab?: string; all?: boolean; quiet?: boolean; sshConfig?: string }): Promise<number> {
  if (file !== undefined && o.lab === undefined && !o.all && await fansOut(file, o)) return (await fan()).fanDestroyCmd(file, o);
  return (await import('./destroy-commands.js')).destroyCmd(file, o); // FILE (one host's part with --host), --lab NAME or --all
}

export async function showCmd(file: string, o: OutputOpts & PartOpts & { sshConfig?: string }): Promise<number> {
  if (await fansOut(file, o)) return (await fan()).fanShowCmd(file, o);
  const spec = await loadSpec(file, o);
  const { showJson, showText } = await import('../render/show.js');
  const obs = await (await api()).observed(spec, 'topo show');
  emit(o, () => showText(obs), () => showJson(obs));
  return EXIT.OK;
}

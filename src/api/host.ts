// The library's calls, run here: in this process's own namespaces — the machine's (root only) or a sandbox the
// caller is in. The CLI's commands call these and render what they return (src/cli/commands.ts). Nothing is
// printed unless a renderer is asked for ('default' or 'simple': listr2's progress on standard error).
import { constants } from 'node:os';
import { EXIT, TopoError } from '../errors.js';
import { LAB_NAME } from '../core/names.js';
import type { Renderer } from '../io/execute.js';
import type { Observed } from '../ops/observe.js';
import type { TestReport } from '../ops/test-run.js';
import { FORMAT_VERSION, versioned, type ApplyDocument, type DestroyDocument, type ExecResult, type PlanDocument, type ShowDocument, type TestDocument, type TopoEvent } from './documents.js';
import { asStepError } from './errors.js';
import { requireRoot } from './privilege.js';
import type { LabSpec } from './source.js';
import { STDIN, stdinBytes } from '../validate/stdin.js';

export interface RunOptions {
  /** Progress as events (nothing is printed unless `renderer` says so). */
  onEvent?: (e: TopoEvent) => void;
  /** 'silent' (the default), or listr2's progress on standard error: 'default' (redrawn in place) or 'simple'. */
  renderer?: Renderer;
}
export interface ApplyOptions extends RunOptions {
  /** Undo what ran when a step fails (default true). */
  rollback?: boolean;
  /** Seconds to wait for another apply or destroy of the lab to finish (default 5), then LockBusy. */
  waitSeconds?: number;
  /** Run the lab's tests after the apply: their document in `tests`, and `ok` false when one fails. */
  test?: boolean;
}
export type DestroyOptions = Omit<ApplyOptions, 'rollback' | 'test'>;
export interface TestOptions { /** Seconds each target has to answer (default 2). */ timeoutS?: number }
export interface ExecOptions {
  /** 'pipe' (the default): stdout and stderr captured and returned; 'inherit': this process's own. */
  stdio?: 'pipe' | 'inherit';
  /** Standard input, with stdio 'pipe'. */
  input?: string;
  /** Ended with SIGTERM after this long (then `timedOut`). */
  timeoutMs?: number;
}

const kernel = async () => (await import('../io/runner.js')).runProcess;

/** The lab read against the kernel: its plan, live objects, conflicts (for the CLI's plan and show texts). */
export async function observed(spec: LabSpec, what: string): Promise<Observed> {
  requireRoot(what);
  const { loadContext, observe } = await import('../ops/observe.js');
  return observe(await kernel(), spec.topology, await loadContext(spec.name));
}

/** The plan, refused (conflict) when the lab's objects would take names someone else holds. */
export async function planned(spec: LabSpec): Promise<Observed> {
  const obs = await observed(spec, 'topo plan');
  if (obs.conflicts.length) throw (await import('../ops/conflicts.js')).conflictError(spec.name, obs.conflicts, obs.snap);
  return obs;
}

export async function plan(spec: LabSpec): Promise<PlanDocument> {
  const { planJson } = await import('../render/plan.js');
  return versioned({ ...planJson((await planned(spec)).plan), warnings: [...spec.warnings] });
}

export async function apply(spec: LabSpec, o: ApplyOptions = {}): Promise<ApplyDocument> {
  requireRoot('topo apply');
  const { apply: applyLab } = await import('../ops/apply.js');
  const { withLabLock, DEFAULT_WAIT_SECONDS } = await import('../io/lock.js');
  const { planJson } = await import('../render/plan.js');
  const run = await kernel();
  const onPlan = o.onEvent && ((steps: Parameters<typeof planJson>[0]) => o.onEvent!({ type: 'plan', lab: spec.name, plan: planJson(steps), steps }));
  const { checkHostFirewall } = await import('../ops/host-firewall.js');
  const { recordLabFile } = await import('../io/lab-file.js');
  let firewall: Awaited<ReturnType<typeof checkHostFirewall>> = [];
  const r = await withLabLock(spec.name, { waitSeconds: o.waitSeconds ?? DEFAULT_WAIT_SECONDS }, async () => {
    // A host firewall that will drop the lab's traffic (a Docker host): said, with the way out, not refused.
    firewall = await checkHostFirewall(spec.topology, run);
    const done = await applyLab(spec.topology, { run, renderer: o.renderer ?? 'silent', rollback: o.rollback !== false, onPlan, onEvent: o.onEvent });
    // For `topo ls`, and for a fan-out's rollback: a file read from standard input is kept as a copy (io/lab-file.ts).
    if (spec.file) await recordLabFile(spec.name, spec.file, spec.file === STDIN ? stdinBytes() : undefined);
    return done;
  }).catch((e: unknown) => { throw asStepError(e); });
  const tests = o.test ? await test(spec) : undefined;
  return { format_version: FORMAT_VERSION, ok: tests?.ok ?? true, lab: r.lab, changed: r.changed, ms: r.ms, plan: planJson(r.plan),
    warnings: [...spec.warnings, ...firewall, ...r.warnings], ...(tests ? { tests } : {}) };
}

/** Everything the lab owns removed: by its spec, or by its name alone (an edited or lost file). */
export async function destroy(target: LabSpec | string, o: DestroyOptions = {}): Promise<DestroyDocument> {
  if (typeof target === 'string' && !LAB_NAME.test(target)) {
    throw new TopoError('E_USAGE', `destroy: ${JSON.stringify(target)} is not a lab name (a-z, 0-9 and -, at most 16)`, EXIT.USAGE);
  }
  return typeof target === 'string' ? destroyLab(target, [], o) : destroyLab(target.name, Object.keys(target.topology.namespaces ?? {}), o);
}

/** `namespaces`: those the lab's file names, a hint (only what the lab owns is deleted). */
export async function destroyLab(lab: string, namespaces: string[], o: DestroyOptions = {}): Promise<DestroyDocument> {
  requireRoot('topo destroy');
  const { destroy: destroyOwned } = await import('../ops/destroy.js');
  const { withLabLock, DEFAULT_WAIT_SECONDS } = await import('../io/lock.js');
  const { planJson } = await import('../render/plan.js');
  const run = await kernel();
  const onPlan = o.onEvent && ((steps: Parameters<typeof planJson>[0]) => o.onEvent!({ type: 'plan', lab, plan: planJson(steps), steps }));
  const r = await withLabLock(lab, { waitSeconds: o.waitSeconds ?? DEFAULT_WAIT_SECONDS },
    () => destroyOwned(lab, { run, renderer: o.renderer ?? 'silent', declaredNamespaces: namespaces, onEvent: o.onEvent, onPlan }))
    .catch((e: unknown) => { throw asStepError(e); });
  return versioned({ lab, changed: r.changed, ms: r.ms, plan: planJson(r.plan), warnings: r.warnings });
}

export async function show(spec: LabSpec): Promise<ShowDocument> {
  return versioned((await import('../render/show.js')).showJson(await observed(spec, 'topo show')));
}

/** The lab's tests (its `tests:`), run: the report the CLI renders as a table. */
export async function testReport(spec: LabSpec, o: TestOptions = {}): Promise<TestReport> {
  requireRoot('topo test');
  const { runTests } = await import('../ops/test-run.js');
  return runTests(spec.topology, { run: await kernel(), timeoutS: o.timeoutS });
}

export async function test(spec: LabSpec, o: TestOptions = {}): Promise<TestDocument> {
  return versioned((await import('../render/test-table.js')).testJson(await testReport(spec, o)));
}

/** argv run in one of the lab's namespaces (or "host"), refused unless the lab made it (see ops/exec.ts). */
export async function exec(spec: LabSpec, ns: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
  if (!Array.isArray(argv) || !argv.length || argv.some((a) => typeof a !== 'string')) {
    throw new TopoError('E_USAGE', 'exec: give the command as a non-empty array of strings (argv), e.g. [\'ip\', \'addr\']', EXIT.USAGE);
  }
  requireRoot('topo exec');
  const { checkExecTarget, execArgv, execInNamespace } = await import('../ops/exec.js');
  await checkExecTarget(spec.topology, ns, await kernel());
  if (o.stdio === 'inherit') return { exitCode: await execInNamespace(ns, argv), stdout: '', stderr: '' };
  return captured(execArgv(ns, argv), o);
}

/** argv run with its output captured (never rejects on a failure of the command: its exit code says it). */
export async function captured(argv: string[], o: ExecOptions): Promise<ExecResult> {
  const { execa } = await import('execa');
  const r = await execa(argv[0]!, argv.slice(1), { input: o.input ?? '', timeout: o.timeoutMs, reject: false, stripFinalNewline: false });
  const exitCode = r.exitCode ?? (r.signal ? 128 + (constants.signals[r.signal as keyof typeof constants.signals] ?? 0) : 127);
  return { exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') || (r.failed && r.exitCode === undefined ? r.shortMessage ?? '' : ''),
    ...(r.timedOut ? { timedOut: true } : {}) };
}

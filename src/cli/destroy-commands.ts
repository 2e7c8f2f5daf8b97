// `topo destroy FILE`, `topo destroy --lab NAME` (no file: the record and the kernel's marks say what the lab
// owns) and `topo destroy --all` (every lab on this machine: those with a record or topo's marks; nothing unmarked
// is touched). Each lab is destroyed under its own lock, as one `destroy` would. No confirmation is asked (labs
// are disposable), but a destroy that stops the lab's processes or changes the host namespace prints its plan
// before its first command runs (not with --quiet or --json).
import { LAB_NAME } from '../core/names.js';
import { EXIT, TopoError } from '../errors.js';
import type { DestroyDocument, TopoEvent } from '../api/documents.js';
import { renderPlanText } from '../render/plan.js';
import { emit, rendererFor, type OutputOpts } from './output.js';
import type { PartOpts } from './instance-option.js';
import { requireRoot } from './privilege.js';

export interface DestroyCliOpts extends OutputOpts, PartOpts { wait?: number; lab?: string; all?: boolean }

const usage = (message: string) => new TopoError('E_USAGE', message, EXIT.USAGE,
  { hint: 'topo destroy FILE | topo destroy --lab NAME | topo destroy --all' });

/** Which labs the arguments name; a usage error (exit 64) unless exactly one of FILE, --lab and --all is given. */
function checkUsage(file: string | undefined, o: DestroyCliOpts): void {
  const given = [file !== undefined && 'a file', o.lab !== undefined && '--lab', o.all && '--all'].filter(Boolean);
  if (given.length > 1) throw usage(`destroy takes one of a file, --lab NAME or --all, not ${given.join(' and ')}`);
  if (!given.length) throw usage('destroy needs the lab: a file, --lab NAME, or --all for every lab on this machine');
  if (o.name !== undefined && file === undefined) throw usage('--name goes with a file: topo destroy FILE --name NAME (a copy\'s name is its lab name: topo destroy --lab NAME works too)');
  if (o.lab !== undefined && !LAB_NAME.test(o.lab)) {
    throw usage(`--lab ${JSON.stringify(o.lab)} is not a lab name (lowercase letters, digits and dashes, up to 16; see \`topo ls\`)`);
  }
}

export async function destroyCmd(file: string | undefined, o: DestroyCliOpts): Promise<number> {
  checkUsage(file, o);
  requireRoot('topo destroy');
  const { runProcess: run } = await import('../io/runner.js');
  if (file !== undefined) {
    const { labOf } = await import('./lab-of.js');
    const { labOfInstance } = await import('./instance-option.js');
    const { name, namespaces } = labOfInstance((await import('./host-option.js')).labOfHost(await labOf(file), o.host), o);
    const r = await destroyLab(name, namespaces, o);
    emit(o, () => resultText(r), () => r);
    warn(o, [r]);
    return EXIT.OK;
  }
  if (o.lab !== undefined) {
    const r = await destroyLab(o.lab, [], o);
    emit(o, () => resultText(r), () => r);
    warn(o, [r]);
    return EXIT.OK;
  }
  const { labNames } = await import('../ops/labs.js');
  const names = await labNames(run);
  const done: DestroyDocument[] = [];
  const failed: { lab: string; error: TopoError }[] = [];
  for (const name of names) {
    try { done.push(await destroyLab(name, [], o)); } catch (e) {
      if (!(e instanceof TopoError)) throw e;
      failed.push({ lab: name, error: e });
      if (!o.json) process.stderr.write(`error: lab "${name}": ${e.message}\n`);
    }
  }
  emit(o, () => (names.length ? done.map(resultText).join('') : 'Nothing to destroy: no labs on this machine.\n'),
    () => ({ ok: !failed.length, labs: done, failed: failed.map((f) => ({ lab: f.lab, code: f.error.code, message: f.error.message })) }));
  warn(o, done);
  if (!failed.length) return EXIT.OK;
  return Math.max(...failed.map((f) => f.error.exitCode));
}

/** One lab destroyed under its lock (the library's destroyLab); its plan printed first when worth saying (see worthSaying). */
async function destroyLab(name: string, namespaces: string[], o: DestroyCliOpts): Promise<DestroyDocument> {
  const { worthSaying } = await import('../ops/destroy.js');
  const onEvent = o.json || o.quiet ? undefined : (e: TopoEvent) => {
    if (e.type !== 'plan' || !e.steps) return;
    const why = worthSaying(e.steps);
    if (why.length) process.stdout.write(`Destroying lab "${name}" ${why.join(' and ')}:\n${renderPlanText(e.steps)}\n`);
  };
  return (await import('../api/host.js')).destroyLab(name, namespaces, { renderer: rendererFor(o), waitSeconds: o.wait, onEvent });
}

function resultText(r: DestroyDocument): string {
  const n = r.plan.summary;
  return r.changed ? `Destroyed lab "${r.lab}": ${n.delete} object(s) removed in ${(r.ms / 1000).toFixed(2)} s; verified nothing is left.\n`
    : `Nothing to destroy: lab "${r.lab}" owns nothing in the kernel.\n`;
}


/** What the destroyed namespaces held that was left running (Blocker.leave), on standard error. */
function warn(o: OutputOpts, done: DestroyDocument[]): void {
  if (!o.json) for (const r of done) for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
}

// up(spec, { sandbox: true }): the lab in a fresh private sandbox of its own, so that parallel CI jobs on one
// machine can't collide and nothing is left on the host. The built CLI holds the sandbox (`topo sandbox FILE
// --hold`, src/cli/sandbox-hold.ts): it applies the lab there and says so with the inner topo's pid, then every
// method runs in the sandbox's network, mount and PID namespaces (nsenter): the CLI with --json, or the command
// itself for exec. down() closes the holder's standard input and the sandbox ends with everything in it; so does
// this process dying, however (the pipe closes with it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT, TopoError } from '../errors.js';
import { HOST } from '../model.js';
import type { ApplyDocument, ExecResult, PlanDocument, ShowDocument, TestDocument, TopoEvent } from './documents.js';
import { errorFromJson, SandboxFailed } from './errors.js';
import { captured, type ExecOptions, type TestOptions } from './host.js';
import { checkNamespace, labIsDown, sameLab, specOf, type Lab, type UpOptions } from './lab.js';
import { requireRoot } from './privilege.js';
import type { LabSource, LabSpec } from './source.js';

/** bin/topo.js of this package: up from this module (dist/api.mjs, or src/api/ and dist/src/api/ in a checkout). */
export function cliPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin/topo.js')) && existsSync(join(dir, 'package.json'))) return join(dir, 'bin/topo.js');
  }
  throw new TopoError('E_INTERNAL', `the topo command (bin/topo.js) was not found above ${fileURLToPath(import.meta.url)}`, EXIT.INTERNAL);
}

type Line = { event?: unknown; ready?: { lab: string; pid: number; apply: ApplyDocument }; ok?: boolean; error?: { code: string; message: string } };

export async function startSandbox(spec: LabSpec, o: UpOptions): Promise<Lab> {
  requireRoot('up({ sandbox: true })');
  const dir = new Scratch();
  try {
    const file = await fileOf(spec, dir, 'lab.yaml');
    const holder = spawn(process.execPath, [cliPath(), 'sandbox', file, '--hold', ...(o.renderer && o.renderer !== 'silent' ? [] : ['--quiet'])],
      { stdio: ['pipe', 'pipe', o.renderer && o.renderer !== 'silent' ? 'inherit' : 'pipe'], cwd: '/' });
    const ready = await readyOf(holder, spec, o.onEvent);
    o.onEvent?.({ type: 'sandbox-start', lab: spec.name, pid: ready.pid });
    return new SandboxLab(spec, file, dir, holder, ready.pid, ready.apply, o);
  } catch (e) {
    await dir.remove();
    throw e;
  }
}

/**
 * A temporary folder for the lab's text, made only when a lab without a file of its own needs one (a process
 * killed with -9 can't remove it: a lab read from its file leaves nothing).
 */
class Scratch {
  private dir?: string;
  async write(name: string, text: string): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'topo-lab-'));
    const file = join(this.dir, name);
    await writeFile(file, text);
    return file;
  }
  async remove(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The lab's file: its own, or its text written in `dir` (the sandbox sees the host's files, /run aside). */
async function fileOf(spec: LabSpec, dir: Scratch, name: string): Promise<string> {
  if (spec.file && spec.text === undefined) return resolve(spec.file);
  return dir.write(name, spec.text ?? JSON.stringify(spec.topology, null, 2));
}

/** The holder's lines until it says the lab is up (events passed on), or its error when it ends first. */
function readyOf(holder: ChildProcess, spec: LabSpec, onEvent?: (e: TopoEvent) => void): Promise<NonNullable<Line['ready']>> {
  let stderr = '';
  holder.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const rest: string[] = [];
  return new Promise((ok, fail) => {
    let done = false;
    const lines = createInterface({ input: holder.stdout! });
    lines.on('line', (text) => {
      let doc: Line | undefined;
      try { doc = JSON.parse(text) as Line; } catch { rest.push(text); return; }
      if (doc.event) onEvent?.(revive(doc.event as TopoEvent));
      else if (doc.ready) { done = true; lines.close(); ok(doc.ready); }
      else if (doc.ok === false && doc.error) { done = true; fail(errorFromJson(doc.error, EXIT.FAILED, spec.file ?? spec.name)); }
      else rest.push(text);
    });
    holder.once('error', (e) => fail(e));
    holder.once('exit', (code) => {
      if (done) return;
      // An error found before the sandbox was made (the CLI's JSON document, over several lines).
      let doc: Line | undefined;
      try { doc = JSON.parse(rest.join('\n')) as Line; } catch { /* not JSON */ }
      fail(doc?.error ? errorFromJson(doc.error, code ?? EXIT.FAILED, spec.file ?? spec.name)
        : new SandboxFailed(`the sandbox ended (exit ${code}) before the lab was up: ${stderr.trim() || rest.join('\n') || 'no message'}`, { stderr }));
    });
  });
}

/** An event's errors as the classes they were thrown as. */
function revive(e: TopoEvent): TopoEvent {
  const err = (x: unknown) => errorFromJson(x as { code: string; message: string }, EXIT.FAILED);
  if (e.type === 'step-failed') return { ...e, error: err(e.error) as never };
  if (e.type === 'rollback-done') return { ...e, errors: e.errors.map(err) as never };
  return e;
}

class SandboxLab implements Lab {
  readonly sandboxed = true;
  private gone = false;
  private edits = 0;
  constructor(public spec: LabSpec, private file: string, private dir: Scratch, private holder: ChildProcess,
    readonly pid: number, public applied: ApplyDocument, private o: UpOptions) {}

  get name() { return this.spec.name; }

  /** nsenter into the sandbox's network, mount and PID namespaces. */
  private enter(argv: string[]): string[] {
    if (this.gone) throw labIsDown(this.name);
    return ['nsenter', '-t', String(this.pid), '-n', '-m', '-p', '--', ...argv];
  }

  /** The CLI inside the sandbox, with --json: its document, or its error as the class it was thrown as. */
  private async cli<T>(args: string[], errorUnlessOk = false): Promise<T> {
    const r = await captured(this.enter(['env', 'TOPO_STATE_DIR=/run/topo', process.execPath, cliPath(), ...args, '--json']), {});
    let doc: { ok?: boolean; error?: { code: string; message: string } } | undefined;
    try { doc = JSON.parse(r.stdout) as typeof doc; } catch { /* below */ }
    if (doc?.ok === false && doc.error) throw errorFromJson(doc.error, r.exitCode, this.file);
    if (!doc || (errorUnlessOk && r.exitCode !== 0)) {
      throw new SandboxFailed(`topo ${args[0]} in the sandbox failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
    return doc as T;
  }

  async exec(ns: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
    checkNamespace(this.spec, ns);
    if (!Array.isArray(argv) || !argv.length) throw new TopoError('E_USAGE', 'exec: give the command as a non-empty array of strings (argv)', EXIT.USAGE);
    const full = this.enter(ns === HOST ? argv : ['ip', 'netns', 'exec', ns, ...argv]);
    if (o.stdio !== 'inherit') return captured(full, o);
    const child = spawn(full[0]!, full.slice(1), { stdio: 'inherit' });
    const exitCode = await new Promise<number>((ok) => child.once('exit', (code, signal) => ok(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0))).once('error', () => ok(127)));
    return { exitCode, stdout: '', stderr: '' };
  }

  test(o: TestOptions = {}) { return this.cli<TestDocument>(['test', this.file, ...(o.timeoutS ? ['--timeout', String(o.timeoutS)] : [])]); }
  show() { return this.cli<ShowDocument>(['show', this.file], true); }
  plan() { return this.cli<PlanDocument>(['plan', this.file], true); }

  async apply(source: LabSource | LabSpec): Promise<ApplyDocument> {
    const next = await specOf(source);
    sameLab(this.spec, next);
    if (this.gone) throw labIsDown(this.name);
    const file = await fileOf(next, this.dir, `lab-${++this.edits}.yaml`);
    const doc = await this.cli<ApplyDocument>(['apply', file], true);
    this.spec = next;
    this.file = file;
    return doc;
  }

  async down(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    const exited = this.holder.exitCode !== null || this.holder.signalCode !== null
      ? Promise.resolve() : new Promise<void>((ok) => this.holder.once('exit', () => ok()));
    this.holder.stdin?.end();
    await exited;
    await this.dir.remove();
    this.o.onEvent?.({ type: 'sandbox-end', lab: this.name });
  }

  [Symbol.asyncDispose]() { return this.down(); }
}

// up(): a lab brought up and held as a Lab, taken down by down() — or at the end of an `await using` block, also
// when the block throws (Lab is AsyncDisposable). Here (in this process's namespaces) or in a sandbox of its own
// (sandbox-lab.ts): the same methods, the same documents.
import { EXIT, TopoError } from '../errors.js';
import { declaredNamespaces } from '../ops/exec.js';
import type { ApplyDocument, ExecResult, PlanDocument, ShowDocument, TestDocument, TopoEvent } from './documents.js';
import { TestsFailed } from './errors.js';
import * as host from './host.js';
import { load, type LabSource, type LabSpec } from './source.js';

// `await using` calls Symbol.asyncDispose: Node defines it since 20.4 (engines says >= 20.10); this names the same
// symbol should a runtime lack it.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for('nodejs.asyncDispose');

export interface UpOptions {
  /** Apply it in a fresh private sandbox of its own (network, mount and PID namespaces), as `topo sandbox` does. */
  sandbox?: boolean;
  /** Run the lab's tests once it is up: a failing one takes it down again and throws TestsFailed. */
  test?: boolean;
  /** Progress as events: the plan, each stage and step, a rollback (nothing is printed). */
  onEvent?: (e: TopoEvent) => void;
  /** Print listr2's progress on standard error too: 'default' or 'simple' (the default is 'silent'). */
  renderer?: 'default' | 'simple' | 'silent';
}

export interface Lab extends AsyncDisposable {
  readonly name: string;
  /** What the lab is now (an apply() replaces it). */
  readonly spec: LabSpec;
  readonly sandboxed: boolean;
  /** In sandbox mode: the sandbox's init (the topo holding it) as this process sees it; its namespaces are the lab's. */
  readonly pid?: number;
  /** What up()'s apply did. */
  readonly applied: ApplyDocument;
  /** argv in one of the lab's namespaces ("host": the lab's host — the sandbox's own in sandbox mode). */
  exec(ns: string, argv: string[], o?: host.ExecOptions): Promise<ExecResult>;
  test(o?: host.TestOptions): Promise<TestDocument>;
  show(): Promise<ShowDocument>;
  plan(): Promise<PlanDocument>;
  /** The lab edited: the new source applied over it (the same lab name). */
  apply(source: LabSource | LabSpec): Promise<ApplyDocument>;
  /** Everything taken down (a second call does nothing). */
  down(): Promise<void>;
}

export const isSpec = (s: unknown): s is LabSpec =>
  typeof s === 'object' && s !== null && 'topology' in s && 'name' in s && 'warnings' in s;

export const specOf = async (s: LabSource | LabSpec): Promise<LabSpec> => (isSpec(s) ? s : load(s));

export async function up(source: LabSource | LabSpec, o: UpOptions = {}): Promise<Lab> {
  const spec = await specOf(source);
  const lab: Lab = o.sandbox ? await (await import('./sandbox-lab.js')).startSandbox(spec, o) : await HostLab.start(spec, o);
  if (o.test) {
    const t = await lab.test().catch(async (e: unknown) => { await lab.down(); throw e; });
    if (!t.ok) {
      await lab.down();
      throw new TestsFailed(t);
    }
  }
  return lab;
}

/** Refuses an edit that names another lab: down() would leave the first one behind. */
export function sameLab(spec: LabSpec, next: LabSpec): void {
  if (next.name !== spec.name) {
    throw new TopoError('E_USAGE', `lab.apply(): the new source is lab "${next.name}", this lab is "${spec.name}": an edit keeps the lab's name`, EXIT.USAGE);
  }
}

/** A namespace the lab's file declares (or "host"), else a usage error naming them. */
export function checkNamespace(spec: LabSpec, ns: string): void {
  const declared = declaredNamespaces(spec.topology);
  if (!declared.includes(ns)) {
    throw new TopoError('E_USAGE', `namespace ${JSON.stringify(ns)} is not declared by lab "${spec.name}"`, EXIT.USAGE,
      { hint: `namespaces of this lab: ${declared.join(', ')}` });
  }
}

export const labIsDown = (name: string) => new TopoError('E_LAB_DOWN', `lab "${name}" was taken down (down() was called)`, EXIT.USAGE);

/** A lab in this process's own namespaces: each method is the host call of the same name. */
class HostLab implements Lab {
  readonly sandboxed = false;
  private gone = false;
  private constructor(public spec: LabSpec, public applied: ApplyDocument, private o: UpOptions) {}

  static async start(spec: LabSpec, o: UpOptions): Promise<HostLab> {
    return new HostLab(spec, await host.apply(spec, { onEvent: o.onEvent, renderer: o.renderer }), o);
  }

  get name() { return this.spec.name; }
  private live(): LabSpec { if (this.gone) throw labIsDown(this.name); return this.spec; }
  exec(ns: string, argv: string[], o?: host.ExecOptions) { return host.exec(this.live(), ns, argv, o); }
  test(o?: host.TestOptions) { return host.test(this.live(), o); }
  show() { return host.show(this.live()); }
  plan() { return host.plan(this.live()); }
  async apply(source: LabSource | LabSpec) {
    const next = await specOf(source);
    sameLab(this.live(), next);
    const doc = await host.apply(next, { onEvent: this.o.onEvent, renderer: this.o.renderer });
    this.spec = next;
    return doc;
  }
  async down() {
    if (this.gone) return;
    await host.destroy(this.spec, { onEvent: this.o.onEvent, renderer: this.o.renderer });
    this.gone = true;
  }
  [Symbol.asyncDispose]() { return this.down(); }
}

// What the library's calls return: the same JSON documents the CLI prints with --json (so a lab run in sandbox
// mode, where each call is the CLI run inside the sandbox, returns exactly what one run here returns), each with
// its format's version.
import type { Problem } from '../errors.js';
import type { Plan } from '../model.js';
import type { ExecEvent } from '../io/exec-events.js';
import type { planJson } from '../render/plan.js';
import type { showJson } from '../render/show.js';
import type { testJson } from '../render/test-table.js';

/** The version of the documents' format: raised when a field changes meaning or goes away (new fields don't). */
export const FORMAT_VERSION = 1;
/** Every document says its format's version and whether the call succeeded (`ok`: true unless it says otherwise). */
export type Versioned<T> = T & { format_version: number; ok: boolean };
export const versioned = <T extends object>(doc: T): Versioned<T> => ({ format_version: FORMAT_VERSION, ok: true, ...doc });

export type PlanJson = ReturnType<typeof planJson>;
/** `topo plan --json`: every change, with its commands, and the file's warnings. */
export type PlanDocument = Versioned<PlanJson & { warnings: Problem[] }>;
/** `topo show --json`: the lab's objects per namespace, drift against the file, conflicts. */
export type ShowDocument = Versioned<ReturnType<typeof showJson>>;
/** `topo test --json`: each test's outcome; `ok` when every one holds. */
export type TestDocument = Versioned<ReturnType<typeof testJson>>;
/** A warning: a file's (a Problem, with its place) or an apply's (left-running, state-record). */
export interface Warning { code: string; message: string }
/** `topo apply --json`. */
export interface ApplyDocument {
  format_version: number; ok: boolean; lab: string; changed: boolean; ms: number; plan: PlanJson; warnings: Warning[];
  /** With `test`: the lab's tests, run after the apply. */
  tests?: TestDocument;
}
/** `topo destroy --json`. */
export interface DestroyDocument { format_version: number; ok: boolean; lab: string; changed: boolean; ms: number; plan: PlanJson; warnings: string[] }
/** What exec returns: the exit code (128 + N when a signal ended it), and the output when it was captured. */
export interface ExecResult { exitCode: number; stdout: string; stderr: string; timedOut?: boolean }

/**
 * Progress: the plan about to be executed, then each stage and step as it starts and ends, a rollback (see
 * io/exec-events.ts), and — in sandbox mode — the sandbox starting and ending.
 */
export type TopoEvent = ExecEvent
  | { type: 'plan'; lab: string; plan: PlanJson; /** The plan as topo holds it (what the CLI renders); in this process only, not in sandbox mode. */ steps?: Plan }
  | { type: 'sandbox-start'; lab: string; pid: number }
  | { type: 'sandbox-end'; lab: string };

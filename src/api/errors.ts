// The library's errors: every one a TopoError with a stable `code` and the `exitCode` the CLI would exit with.
// In sandbox mode a call runs the CLI inside the sandbox and gets its error as a JSON document; errorFromJson
// makes it the same class again, by its code (never by its words).
import { CommandFailed, EXIT, InvalidTopology, LockBusy, NotPermitted, TopoError, type Problem } from '../errors.js';
import type { TestDocument } from './documents.js';

export { CommandFailed, InternalError, InvalidTopology, LockBusy, NotPermitted, StateError, TopoError, EXIT } from '../errors.js';
export type { Problem, SourcePos, StepFailure } from '../errors.js';

/** up(..., { test: true }): a test of the lab did not hold (the lab was taken down). `report` says which. */
export class TestsFailed extends TopoError {
  constructor(public report: TestDocument) {
    super('E_TESTS', `lab "${report.lab}": ${report.failed} of ${report.passed + report.failed} test(s) failed: ${
      report.results.filter((r) => !r.ok).map((r) => `${r.test} (${r.result})`).join(', ')}`, EXIT.FAILED, { report });
    this.name = 'TestsFailed';
  }
}

/** The sandbox could not be made or ended early (its own words, from the topo that held it). */
export class SandboxFailed extends TopoError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_SANDBOX', message, EXIT.FAILED, details);
    this.name = 'SandboxFailed';
  }
}

interface ErrorDoc { code: string; message: string; [k: string]: unknown }

/** A CLI error document ({ ok: false, error }) as the class it was thrown as; `exitCode`: the CLI's. */
export function errorFromJson(doc: ErrorDoc, exitCode: number, file = '<sandbox>'): TopoError {
  const { code, message, ...details } = doc;
  switch (code) {
    case 'E_INVALID': return new InvalidTopology(file, (details.problems ?? []) as Problem[]);
    case 'E_COMMAND': {
      const e = new CommandFailed(String(details.step), (details.argv ?? []) as string[], String(details.stderr ?? ''),
        details.exitCode as number | undefined);
      // An apply's failure says what the rollback did after the command's own words: the whole message is kept.
      e.message = message;
      Object.assign(e.details, details);
      return e;
    }
    case 'E_LOCKED': return new LockBusy(String(details.lab ?? ''), message, details);
    case 'E_PERM': return new NotPermitted(message);
    default: return new TopoError(code, message, exitCode, details);
  }
}

/**
 * An apply or destroy stopped by a kernel command is thrown (by ops/apply.ts) as a TopoError whose cause is the
 * CommandFailed: the library gives it as a CommandFailed itself — the step, argv and kernel message of the cause,
 * with the whole message and details (what the rollback did) of the error. Anything else is passed on unchanged.
 */
export function asStepError(e: unknown): unknown {
  if (!(e instanceof TopoError) || e instanceof CommandFailed || !(e.cause instanceof CommandFailed)) return e;
  const c = e.cause;
  const out = new CommandFailed(c.step, c.argv, c.stderr, c.exit, c);
  out.message = e.message;
  out.exitCode = e.exitCode;
  out.details = { ...e.details };
  return out;
}

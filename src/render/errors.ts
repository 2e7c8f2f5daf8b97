// Errors rendered in one place: text for people, the same data for --json. Anything that is not a TopoError is
// a bug in topo (InternalError, exit 70); its stack trace is shown only when asked for (TOPO_DEBUG=1).
import { EXIT, InternalError, InvalidTopology, TopoError } from '../errors.js';

export interface RenderOpts {
  /** Show the stack trace of a bug (TOPO_DEBUG=1). */
  debug?: boolean;
}

/** Every error as a TopoError: anything else thrown is a bug. */
export function asTopoError(e: unknown): TopoError {
  return e instanceof TopoError ? e : new InternalError('topo', e);
}

export function errorText(e: unknown, formatProblems: (file: string, p: InvalidTopology['problems']) => string, o: RenderOpts = {}): string {
  const err = asTopoError(e);
  if (err instanceof InvalidTopology) return withNewline(formatProblems(err.file, err.problems));
  const hint = typeof err.details.hint === 'string' ? `\nhint: ${err.details.hint}` : '';
  const stack = o.debug ? bugStack(err) : undefined;
  return `error: ${err.message}${hint}\n${stack ? `${stack}\n` : ''}`;
}

export function errorJson(e: unknown, o: RenderOpts = {}) {
  const err = asTopoError(e);
  const stack = o.debug ? bugStack(err) : undefined;
  return { ok: false, error: { code: err.code, message: err.message, ...err.details, ...(stack ? { stack } : {}) } };
}

export function exitCodeOf(e: unknown): number {
  return e instanceof TopoError ? e.exitCode : EXIT.INTERNAL;
}

/** The stack of the exception behind a bug, found along the cause chain (an apply's error wraps the stage's). */
function bugStack(e: TopoError): string | undefined {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof InternalError) return c.cause instanceof Error ? c.cause.stack : c.stack;
  }
  return undefined;
}

const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

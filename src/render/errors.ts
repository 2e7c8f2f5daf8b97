// Errors rendered in one place: text for people, the same data for --json.
import { EXIT, InvalidTopology, TopoError } from '../errors.js';

export function errorText(e: unknown, formatProblems: (file: string, p: InvalidTopology['problems']) => string): string {
  if (e instanceof InvalidTopology) return withNewline(formatProblems(e.file, e.problems));
  if (e instanceof TopoError) {
    const hint = typeof e.details.hint === 'string' ? `\nhint: ${e.details.hint}` : '';
    return `error: ${e.message}${hint}\n`;
  }
  return `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`;
}

export function errorJson(e: unknown) {
  if (e instanceof TopoError) return { ok: false, error: { code: e.code, message: e.message, ...e.details } };
  return { ok: false, error: { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) } };
}

export function exitCodeOf(e: unknown): number {
  return e instanceof TopoError ? e.exitCode : EXIT.FAILED;
}

const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

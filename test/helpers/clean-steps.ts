// The steps kernel tests take again and again, each asserting it went cleanly: an apply with nothing on standard
// error but progress and exit 0, a plan with nothing left to do, a shell snippet that succeeds.
import { expect } from 'vitest';
import { withoutProgress } from './progress.js';
import type { Run, Sandbox } from './sandbox.js';

export async function appliedClean(sb: Sandbox, file: string, env: Record<string, string> = {}): Promise<Run> {
  const r = await sb.topo(['apply', file], env);
  expect(withoutProgress(r.stderr), r.stdout).toBe('');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return r;
}

/** `topo plan --detailed-exitcode` says there is nothing to do. */
export async function expectNoChanges(sb: Sandbox, file: string): Promise<void> {
  const p = await sb.topo(['plan', file, '--detailed-exitcode']);
  expect(p.exitCode, p.stdout + p.stderr).toBe(0);
}

/** A shell snippet run in the sandbox, which must succeed; its standard output. */
export async function shOk(sb: Sandbox, script: string): Promise<string> {
  const r = await sb.sh(script);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

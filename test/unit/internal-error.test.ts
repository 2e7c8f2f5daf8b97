// An exception inside topo (a bug) is not a "failed command" with an empty argv: it is an InternalError (code
// E_INTERNAL, exit 70 = EX_SOFTWARE) that says it is a bug, still stops the apply and rolls back what ran, and
// shows its stack trace only when asked for (TOPO_DEBUG=1, see cli/main.ts).
import { describe, expect, it } from 'vitest';
import { CommandFailed, EXIT, InternalError, TopoError } from '../../src/errors.js';
import { executePlan } from '../../src/io/execute.js';
import type { Runner } from '../../src/io/runner.js';
import type { Plan, Resource, StageName, Step } from '../../src/model.js';
import { applyFailed } from '../../src/ops/apply.js';
import { errorJson, errorText, exitCodeOf } from '../../src/render/errors.js';

const resource = (name: string): Resource => ({ kind: 'namespace', key: `namespace:${name}`, ns: name, label: name, props: {},
  claims: [`netns:${name}`], parents: [] });
const step = (name: string, stage: StageName, rank: number): Step => ({
  op: 'create', kind: 'namespace', key: `namespace:${name}`, ns: 'host', label: name, rank, stage, desired: resource(name),
  cmds: [{ ns: 'host', tool: 'ip', args: ['netns', 'add', name], undo: [{ ns: 'host', tool: 'ip', args: ['netns', 'del', name] }] }],
});
const plan: Plan = { lab: 'lab', steps: [step('a', 'namespaces', 100), { ...step('b', 'links', 200), ns: 'b', cmds: [
  { ns: 'b', tool: 'ip', args: ['link', 'add', 'x', 'type', 'dummy'] }] }], subsumed: [] };
const formatProblems = () => '';
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** A runner with a bug: it throws while running the links stage's batch (the namespaces stage ran). */
function buggy(): { run: Runner; argvs: string[][] } {
  const argvs: string[][] = [];
  return {
    argvs, run: async (argv) => {
      argvs.push(argv);
      if (argv.includes('b')) throw new TypeError("Cannot read properties of undefined (reading 'stdout')");
      return { stdout: '', stderr: '', exitCode: 0 };
    },
  };
}

describe('internal errors', () => {
  it('an exception during a stage is an InternalError, not a failed command; what ran is still rolled back', async () => {
    const { run, argvs } = buggy();
    const exec = await executePlan(plan, { run, renderer: 'silent', rollback: true, failAt: () => undefined });
    expect(exec.ok).toBe(false);
    expect(exec.error).toBeInstanceOf(InternalError);
    expect(exec.error).not.toBeInstanceOf(CommandFailed);
    expect(exec.error!.details).not.toHaveProperty('argv');
    expect(exec.error!.message).toMatch(/^internal error in the "interfaces" stage \(a bug in topo\): Cannot read properties/);
    expect(exec.rolledBack).toBe(true);
    expect(argvs.at(-1)).toEqual(['ip', 'netns', 'del', 'a']); // the undo ran
    expect(exec.undone.map((it) => it.cmd.args)).toEqual([['netns', 'del', 'a']]);

    const err = applyFailed(exec);
    expect(err).toMatchObject({ code: 'E_INTERNAL', exitCode: EXIT.INTERNAL });
    expect(EXIT.INTERNAL).toBe(70);
    const text = errorText(err, formatProblems);
    expect(text).toMatch(/^error: internal error in the "interfaces" stage \(a bug in topo\)/);
    expect(text).toContain('hint: please report it, with the stack trace printed when TOPO_DEBUG=1 is set');
    expect(text).not.toMatch(STACK);
    // With TOPO_DEBUG: the stack of the exception behind it.
    expect(errorText(err, formatProblems, { debug: true })).toMatch(/TypeError: Cannot read properties[^]*\n\s+at .+internal-error\.test\.ts/);
    expect(errorJson(err).error).toMatchObject({ code: 'E_INTERNAL', where: 'the "interfaces" stage' });
  });

  it('anything else thrown is rendered as a bug: exit 70, no stack trace unless asked for', () => {
    const e = new RangeError('Invalid array length');
    expect(exitCodeOf(e)).toBe(70);
    const text = errorText(e, formatProblems);
    expect(text).toBe('error: internal error in topo (a bug in topo): Invalid array length\n'
      + 'hint: please report it, with the stack trace printed when TOPO_DEBUG=1 is set\n');
    expect(errorText(e, formatProblems, { debug: true })).toMatch(STACK);
    expect(errorJson(e)).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: 'internal error in topo (a bug in topo): Invalid array length',
      where: 'topo', hint: 'please report it, with the stack trace printed when TOPO_DEBUG=1 is set' } });
    expect(errorJson(e, { debug: true }).error.stack).toMatch(STACK);
    // A typed error keeps its own code.
    expect(exitCodeOf(new TopoError('E_X', 'x', EXIT.LOCKED))).toBe(75);
  });
});

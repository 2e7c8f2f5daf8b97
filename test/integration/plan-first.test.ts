// Plan first: `topo apply` prints the plan before its first command runs, then the progress (standard error), then
// the summary; --quiet prints the summary alone. Standard output and standard error are read here as one stream,
// in the order topo wrote them (both are pipes, written synchronously).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** topo's standard output and standard error merged, in the order written. */
const merged = (args: string[]) => sb.run(['sh', '-c', '"$@" 2>&1', 'sh', process.execPath, TOPO, ...args]);

describe('topo apply: plan first', () => {
  it('prints the plan, then the progress, then the summary', async () => {
    const r = await merged(['apply', example('two-namespaces.yaml')]);
    expect(r.exitCode, r.stdout).toBe(0);
    const at = (s: string) => { const i = r.stdout.indexOf(s); expect(i, `${s} in:\n${r.stdout}`).toBeGreaterThanOrEqual(0); return i; };
    const plan = [at('namespace ns1:'), at('+ veth veth1@ns1 <-> veth2@ns2'), at('Plan: 8 to create, 0 to change, 0 to delete.')];
    const progress = [at('create namespaces (2 steps)'), at('addresses, routes, settings (5 steps)')];
    const done = at('Apply complete: 8 created');
    expect(Math.max(...plan)).toBeLessThan(Math.min(...progress));
    expect(Math.max(...progress)).toBeLessThan(done);
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
  });

  it('standard output alone is the plan and the summary; --json is one document', async () => {
    const text = await sb.topo(['apply', example('two-namespaces.yaml')]);
    expect(text.stdout).toMatch(/^namespace ns1:\n[\s\S]*\nPlan: 8 to create, 0 to change, 0 to delete\.\nApply complete: 8 created, 0 changed, 0 deleted in [\d.]+ s; verified\.$/);
    expect(text.stderr).toContain('create namespaces (2 steps)');
    expect((await sb.topo(['destroy', example('two-namespaces.yaml')])).exitCode).toBe(0);
    const json = await sb.topo(['apply', example('two-namespaces.yaml'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, lab: 'two-ns', changed: true });
  });

  it('--quiet prints the summary line alone; nothing to do prints no plan', async () => {
    const quiet = await merged(['apply', '--quiet', example('two-namespaces.yaml')]);
    expect(quiet.exitCode, quiet.stdout).toBe(0);
    expect(quiet.stdout).toMatch(/^Apply complete: 8 created, 0 changed, 0 deleted in [\d.]+ s; verified\.$/);
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
    const again = await merged(['apply', example('two-namespaces.yaml')]);
    expect(again.stdout).toBe(`No changes. Lab "two-ns" already matches ${example('two-namespaces.yaml')}.`);
  });
});

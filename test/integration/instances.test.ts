// --name: two copies of one lab file side by side on one machine (in the sandbox), each its own lab (marks,
// record, namespaces NAME-NS), tested, entered and destroyed without touching the other; a lab with host-namespace
// objects is refused with nothing made.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';

const ISOLATION = example('isolation.yaml');

describe('--name: copies of one lab', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it('two copies side by side, each tested, entered by the file\'s namespace names and destroyed alone', async () => {
    for (const name of ['ci1', 'ci2']) {
      const r = await sb.topo(['apply', ISOLATION, '--name', name, '--test', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ lab: name, changed: true, tests: { ok: true, passed: 5 } });
    }
    const names = ['blue', 'green', 'red', 'switch'];
    expect(await sb.netns()).toEqual([...names.map((n) => `ci1-${n}`), ...names.map((n) => `ci2-${n}`)]);
    const bridges = await sb.ipJson<{ ifname: string; ifalias?: string }[]>('ci2-switch', 'link', 'show', 'type', 'bridge');
    expect(bridges.map((b) => [b.ifname, b.ifalias])).toEqual([['br-a', 'topo:ci2'], ['br-b', 'topo:ci2']]);
    expect((await sb.run(['ls', '/run/topo'])).stdout.split('\n').filter((f) => f.endsWith('.json')).sort()).toEqual(['ci1.json', 'ci2.json']);

    // exec and link take the namespace as the file names it.
    const inode = (await sb.run(['ip', 'netns', 'exec', 'ci2-red', 'readlink', '/proc/self/ns/net'])).stdout;
    const execd = await sb.topo(['exec', ISOLATION, 'red', '--name', 'ci2', '--', 'readlink', '/proc/self/ns/net']);
    expect(execd.exitCode, execd.stderr).toBe(0);
    expect(execd.stdout).toBe(inode);
    expect((await sb.topo(['link', 'down', ISOLATION, 'blue', 'eth0', '--name', 'ci1'])).exitCode).toBe(0);
    expect((await sb.ipJson<{ flags: string[] }[]>('ci1-blue', 'link', 'show', 'dev', 'eth0'))[0].flags).not.toContain('UP');
    expect((await sb.ipJson<{ flags: string[] }[]>('ci2-blue', 'link', 'show', 'dev', 'eth0'))[0].flags).toContain('UP');
    expect((await sb.topo(['plan', ISOLATION, '--name', 'ci2', '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.topo(['plan', ISOLATION, '--name', 'ci1', '--detailed-exitcode'])).exitCode).toBe(2);

    const ci2 = await sb.snapshot();
    const d = await sb.topo(['destroy', ISOLATION, '--name', 'ci1', '--json']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ lab: 'ci1', changed: true });
    expect(await sb.netns()).toEqual(names.map((n) => `ci2-${n}`));
    const after = await sb.snapshot();
    for (const n of names) expect(after[`ci2-${n}`], n).toEqual(ci2[`ci2-${n}`]);
    // and the file's own lab beside the copy
    expect((await sb.topo(['apply', ISOLATION, '--test'])).exitCode).toBe(0);
    expect((await sb.topo(['destroy', '--lab', 'ci2'])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual(names);
  });

  it('refused, with nothing made: a lab with host-namespace objects, a bad name, --name with --host', async () => {
    const before = await sb.snapshot();
    const host = await sb.topo(['apply', example('host-to-namespace.yaml'), '--name', 'ci1']);
    expect(host.exitCode).toBe(64);
    expect(host.stderr).toContain('has objects in the host namespace, which two copies can\'t both own: veth end veth-host');
    expect(host.stderr).toContain('topo sandbox FILE');
    const bad = await sb.topo(['apply', ISOLATION, '--name', 'CI_1']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('--name "CI_1" is not a lab name');
    expect((await sb.topo(['apply', example('two-nodes-ssh.yaml'), '--name', 'ci1', '--host', 'node1'])).exitCode).toBe(64);
    expect((await sb.topo(['destroy', '--all', '--name', 'ci1'])).exitCode).toBe(64);
    expect(await sb.snapshot()).toEqual(before);
  });
});

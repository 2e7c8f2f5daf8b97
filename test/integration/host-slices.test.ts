// --host on one machine, in a sandbox: each host's slice is a lab of its own ("lab.host": its marks, nft table, state
// record and lock), so two slices applied on one machine never take each other's objects — side by side when their
// names differ, a conflict that changes nothing when they don't (seed 002's two NS1) — and destroying one leaves the
// other. The usage errors of --host: a multi-host file without it, an undeclared host, a file without hosts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { example, Sandbox } from '../helpers/sandbox.js';

let dir: string, sb: Sandbox;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-host-slices-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const SEED = example('two-nodes-ssh.yaml');

/** Two hosts whose parts have different names: both fit on one machine. */
const PAIR = `name: pair
machines:
  h1: { ssh: root@10.9.0.1, underlay: 10.9.0.1 }
  h2: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }
namespaces:
  a@h1: {}
  b@h2: {}
veths:
  - ends: [{ name: va, namespace: a@h1, addresses: [10.0.1.1/24] }, { name: ha, namespace: host@h1, addresses: [10.0.1.2/24] }]
  - ends: [{ name: vb, namespace: b@h2, addresses: [10.0.2.1/24] }, { name: hb, namespace: host@h2, addresses: [10.0.2.2/24] }]
`;

/** The sandbox's kernel state, without the IPv6 link-local addresses' local routes (the kernel adds them on its own time). */
const settled = async () => JSON.parse(JSON.stringify(await sb.snapshot(), (_k, v: unknown) =>
  (Array.isArray(v) ? v.filter((x) => typeof x !== 'string' || !/^local local fe80:/.test(x)) : v))) as unknown;
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const aliases = async () => Object.fromEntries((await sb.ipJson<{ ifname: string; ifalias?: string }[]>('host', 'link', 'show'))
  .filter((l) => l.ifname !== 'lo').map((l) => [l.ifname, l.ifalias]));

describe('--host: one slice, one lab', () => {
  it('two hosts\' slices side by side on one machine, each its own record and marks; destroying one leaves the other', async () => {
    const file = join(dir, 'pair.yaml');
    writeFileSync(file, PAIR);
    for (const h of ['h1', 'h2']) {
      const r = await sb.topo(['apply', file, '--host', h, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(json(r.stdout)).toMatchObject({ lab: `pair.${h}`, changed: true });
    }
    expect(await sb.netns()).toEqual(['a', 'b']);
    expect(await aliases()).toEqual({ ha: 'topo:pair.h1', hb: 'topo:pair.h2' });
    expect((await sb.run(['ls', '/run/topo'])).stdout.split('\n').filter((f) => f.endsWith('.json')).sort()).toEqual(['pair.h1.json', 'pair.h2.json']);
    // exec, link and ps work on one host's part too: its namespaces by their own names.
    const execd = await sb.topo(['exec', file, 'a', '--host', 'h1', '--', 'ip', '-json', 'addr', 'show', 'dev', 'va']);
    expect(execd.exitCode, execd.stderr).toBe(0);
    expect(JSON.parse(execd.stdout)[0].addr_info.map((x: { local: string }) => x.local)).toContain('10.0.1.1');
    expect((await sb.topo(['exec', file, 'b', '--host', 'h1', '--', 'true'])).exitCode).toBe(64); // b is h2's
    // Without --host, exec runs on the host the namespace names (NS@HOST, over ssh: hosts-fanout.test.ts); a bare name is refused.
    const bare = await sb.topo(['exec', file, 'a', '--', 'true']);
    expect(bare.exitCode).toBe(64);
    expect(bare.stderr).toContain('a: the lab spans hosts h1, h2: name the namespace with its host, NS@HOST (e.g. a@h1)');
    expect((await sb.topo(['link', 'down', file, 'b', 'vb', '--host', 'h2'])).exitCode).toBe(0);
    expect((await sb.ipJson<{ flags: string[] }[]>('b', 'link', 'show', 'dev', 'vb'))[0].flags).not.toContain('UP');
    expect(json((await sb.topo(['ps', file, '--host', 'h2', '--json'])).stdout)).toMatchObject({ lab: 'pair.h2', processes: [] });
    expect(json((await sb.topo(['apply', file, '--host', 'h2', '--json'])).stdout)).toMatchObject({ changed: true }); // vb back up
    const d = await sb.topo(['destroy', file, '--host', 'h1', '--json']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await sb.netns()).toEqual(['b']);
    expect(await aliases()).toEqual({ hb: 'topo:pair.h2' });
    const again = await sb.topo(['apply', file, '--host', 'h2', '--json']);
    expect(json(again.stdout)).toMatchObject({ lab: 'pair.h2', changed: false });
  });

  it('destroy --host works from a file since edited into an invalid one', async () => {
    const file = join(dir, 'edited.yaml');
    writeFileSync(file, PAIR);
    expect((await sb.topo(['apply', file, '--host', 'h2'])).exitCode).toBe(0);
    writeFileSync(file, `${PAIR}bogus: true\n`);
    expect((await sb.topo(['plan', file, '--host', 'h2'])).exitCode).toBe(65);
    const d = await sb.topo(['destroy', file, '--host', 'h2', '--json']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(json(d.stdout)).toMatchObject({ lab: 'pair.h2', changed: true });
    expect(await sb.netns()).toEqual([]);
    expect(await aliases()).toEqual({});
  });

  it("seed 002's node2 on the machine that holds node1: its NS1 is node1's, a conflict, and nothing changes", async () => {
    await sb.sh('ip link add eth0 type veth peer name eth0p && ip addr add 192.168.1.5/24 dev eth0 && ip link set eth0 up && ip link set eth0p up');
    const one = await sb.topo(['apply', SEED, '--host', 'node1', '--json']);
    expect(one.exitCode, one.stderr).toBe(0);
    const before = await settled();
    const two = await sb.topo(['apply', SEED, '--host', 'node2']);
    expect(two.exitCode).toBe(1);
    expect(two.stderr).toMatch(/NS1/);
    expect(await settled()).toEqual(before);
  });

  it('usage errors: a multi-host file without --host, an undeclared host (did you mean), --host on a file without machines', async () => {
    // (plan, apply, show, test, destroy and exec without --host drive every host over ssh: hosts-fanout.test.ts)
    const none = await sb.topo(['ps', SEED]);
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toMatch(/the lab spans hosts node1, node2: say which host's part to work on with --host NAME/);
    const typo = await sb.topo(['apply', SEED, '--host', 'node3']);
    expect(typo.exitCode).toBe(64);
    expect(typo.stderr).toMatch(/--host node3: the file declares no such host \(did you mean "node1"\?\)/);
    const single = await sb.topo(['show', example('two-nodes.yaml'), '--host', 'node1']);
    expect(single.exitCode).toBe(64);
    expect(single.stderr).toMatch(/--host node1: the file declares no machines/);
    expect(await sb.netns()).toEqual([]);
  });
});

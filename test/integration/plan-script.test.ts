// `topo plan --format sh` is a runnable script: run inside one sandbox it builds exactly what `topo apply` builds
// in another (links, addresses, routes, ownership marks, nftables rules, sysctls), and the lab's tests pass. It
// writes the state record apply writes, so topo manages what it built: plan is empty, destroy removes it all.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';

/** The kernel as far as a lab can change it: ip state, every nftables ruleset, ip_forward, per namespace. */
async function kernelState(sb: Sandbox): Promise<Record<string, unknown>> {
  const ip = await sb.snapshot() as Record<string, { links: unknown; routes: string[] }>;
  // Link-local IPv6 addresses derive from random MACs and come up at their own pace: not the lab's doing.
  for (const n of Object.values(ip)) n.routes = n.routes.filter((r) => !r.includes(' fe80:'));
  const extra: Record<string, unknown> = {};
  for (const ns of ['host', ...(await sb.netns())]) {
    const inNs = ns === 'host' ? [] : ['ip', 'netns', 'exec', ns];
    const nft = await sb.run([...inNs, 'nft', 'list', 'ruleset']);
    const fwd = await sb.run([...inNs, 'sysctl', '-n', 'net.ipv4.ip_forward']);
    extra[ns] = { nft: nft.stdout, forward: fwd.stdout.trim() };
  }
  return { ip, extra };
}

describe('plan --format sh', () => {
  let script: Sandbox, applied: Sandbox;
  beforeEach(async () => { [script, applied] = await Promise.all([Sandbox.create(), Sandbox.create()]); });
  afterEach(async () => { await Promise.all([script.close(), applied.close()]); });

  for (const file of ['router-portforward.yaml', 'nat-node.yaml', 'two-nodes.yaml']) {
    it(`${file}: the script builds what apply builds`, async () => {
      const plan = await script.topo(['plan', example(file), '--format', 'sh']);
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout.startsWith('#!/bin/sh\n')).toBe(true);
      expect(plan.stdout).toMatch(/^# \+ namespace /m);

      const ran = await script.run(['sh', '-s'], { input: plan.stdout });
      expect(ran.stderr).toBe('');
      expect(ran.exitCode).toBe(0);

      expect((await applied.topo(['apply', example(file)])).exitCode).toBe(0);
      expect(await kernelState(script)).toEqual(await kernelState(applied));

      if (file !== 'two-nodes.yaml') expect((await script.topo(['test', example(file)])).exitCode).toBe(0);
    });
  }

  for (const file of ['nat-node.yaml', 'host-to-namespace.yaml']) {
    it(`${file}: the script writes apply's state record; topo plan is then empty and destroy removes everything`, async () => {
      const plan = await script.topo(['plan', example(file), '--format', 'sh']);
      expect(plan.exitCode, plan.stderr).toBe(0);
      await script.run(['rmdir', '/run/topo']); // the script makes the state directory itself (mode 0700)
      const ran = await script.run(['sh', '-s'], { input: plan.stdout });
      expect(ran.exitCode, ran.stderr).toBe(0);
      expect((await applied.topo(['apply', example(file)])).exitCode).toBe(0);

      const lab = /^name: (\S+)/m.exec(readFileSync(example(file), 'utf8'))![1];
      const again = await script.topo(['plan', example(file), '--detailed-exitcode']);
      expect(again.stdout.trim(), again.stderr).toBe(`No changes. Lab "${lab}" matches the file.`);
      expect(again.exitCode).toBe(0);

      const record = async (sb: Sandbox) => JSON.parse((await sb.run(['cat', `/run/topo/${lab}.json`])).stdout);
      // The same record, but for the namespaces' kernel identities, which apply reads from /run/netns as it creates
      // them and a script does not: the script's namespaces are the lab's by the mark on their lo (see Ownership).
      // Nor the file `topo apply` was run from (kept for `topo ls`): the script names none.
      const { namespaceIds, file: _file, ...appliedRest } = await record(applied);
      expect(Object.keys(namespaceIds).length).toBeGreaterThan(0);
      expect(await record(script)).toEqual({ ...appliedRest, namespaceIds: {} });
      expect((await script.run(['stat', '-c', '%a', '/run/topo', `/run/topo/${lab}.json`])).stdout.trim().split('\n')).toEqual(['700', '600']);

      const destroy = await script.topo(['destroy', example(file)]);
      expect(destroy.exitCode, destroy.stderr).toBe(0);
      const empty = await Sandbox.create();
      try {
        expect(await kernelState(script)).toEqual(await kernelState(empty)); // host NAT table gone, ip_forward back
      } finally {
        await empty.close();
      }
      expect((await script.run(['ls', '/run/topo'])).stdout).toBe('');
    });
  }
});


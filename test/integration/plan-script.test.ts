// `topo plan --format sh` is a runnable script: run inside one sandbox it builds exactly what `topo apply` builds
// in another (links, addresses, routes, ownership marks, nftables rules, sysctls), and the lab's tests pass.
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
});

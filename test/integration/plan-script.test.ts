// `topo plan --format sh` is a runnable script: run inside one sandbox it builds exactly what `topo apply` builds
// in another (links, addresses, routes, ownership marks, nftables rules, sysctls), and the lab's tests pass. It
// writes the state record apply writes, so topo manages what it built: plan is empty, destroy removes it all. Like
// apply, it writes or removes only files that carry topo's mark: another one is left as it is, said on stderr, and
// the script exits 1 once it has done the rest.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { editedLab } from '../helpers/scratch.js';

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
      const { namespaceIds, ...appliedRest } = await record(applied);
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

  it('files: a file topo did not write is neither overwritten nor removed (stderr, exit 1 at the end); its own are', async () => {
    const file = example('hosts-by-name.yaml');
    expect((await script.topo(['apply', file])).exitCode).toBe(0);
    const hosts = (await script.run(['cat', '/etc/netns/web/hosts'])).stdout;
    // Drift in both hosts files (a line added below the mark), and dns: gone from the file: two writes and a removal.
    await script.sh('echo "10.9.9.9 evil" >> /etc/netns/web/hosts; echo "10.9.9.9 evil" >> /etc/netns/client/hosts');
    const noDns = editedLab(file, (d) => { delete d.namespaces.client.dns; }, 'no-dns.yaml');
    const plan = await script.topo(['plan', noDns, '--format', 'sh']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^if topo_marked \/etc\/netns\/client\/resolv.conf '# managed by topo lab hosts-lab; edits are replaced'; then\nrm -f \/etc\/netns\/client\/resolv.conf\nelse topo_refuse /m);
    // Between the plan and the script, someone else's files take the place of two of them.
    await script.sh('printf "mine\\n" > /etc/netns/client/hosts; printf "nameserver 9.9.9.9\\n" > /etc/netns/client/resolv.conf');
    const ran = await script.run(['sh', '-s'], { input: plan.stdout });
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr.split('\n').filter(Boolean)).toEqual([
      'topo: /etc/netns/client/hosts was not written by topo (its first line is not "# managed by topo lab hosts-lab; edits are replaced"): left as it is',
      'topo: /etc/netns/client/resolv.conf was not written by topo (its first line is not "# managed by topo lab hosts-lab; edits are replaced"): left as it is',
      'topo: some files were not topo\'s and were left as they are',
    ]);
    expect((await script.run(['cat', '/etc/netns/client/hosts'])).stdout).toBe('mine');
    expect((await script.run(['cat', '/etc/netns/client/resolv.conf'])).stdout).toBe('nameserver 9.9.9.9');
    // topo's own file was written again (its drift gone), as apply would.
    expect((await script.run(['cat', '/etc/netns/web/hosts'])).stdout).toBe(hosts);
    // A symbolic link is no file of topo's either.
    await script.sh('rm /etc/netns/client/resolv.conf; ln -s /etc/hostname /etc/netns/client/resolv.conf');
    const again = await script.run(['sh', '-s'], { input: plan.stdout });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('topo: /etc/netns/client/resolv.conf was not written by topo');
    expect((await script.run(['test', '-L', '/etc/netns/client/resolv.conf'])).exitCode).toBe(0);
  });
});

// Every example: applied, pinged across, re-applied as a no-op, destroyed with nothing of the lab left.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { forwarding } from '../helpers/stp.js';

/** `stp`: the example's bridge (namespace, name) runs STP: its ports forward 2 x forward_delay after apply. */
/** `tests`: `topo test` runs the file's tests, which must all hold. */
const CASES: { file: string; pings: [string, string][]; stp?: [string, string]; tests?: boolean }[] = [
  { file: 'two-namespaces.yaml', pings: [['ns1', '192.168.1.2'], ['ns2', '192.168.1.1']] },
  { file: 'dashed-names.yaml', pings: [['ns-1', '10.0.0.20'], ['ns-2', '10.0.0.10']] },
  { file: 'veth-pair.yaml', pings: [['prodns', '192.168.2.103'], ['testns', '192.168.2.102']] },
  { file: 'host-to-namespace.yaml', pings: [['red', '192.168.1.2'], ['red', 'fd00:1::2']] },
  { file: 'bridge-node.yaml', pings: [['NS1', '172.16.0.3'], ['NS2', '172.16.0.1'], ['NS1', '172.16.0.1']] },
  { file: 'two-nodes.yaml', pings: [['n1-ns1', '172.16.1.2'], ['n2-ns2', '172.16.0.3'], ['n1-ns2', '192.168.1.6']] },
  { file: 'macvlan.yaml', pings: [['red', '10.1.0.12'], ['blue', '10.1.0.254'], ['far', '10.1.0.11']] },
  { file: 'vxlan.yaml', pings: [['g1', '10.10.0.2'], ['g2', '10.10.0.1']] },
  { file: 'vxlan-flood.yaml', pings: [['vm1', '10.20.0.2'], ['vm2', '10.20.0.3'], ['vm3', '10.20.0.1']] },
  // Each reply leaves by the uplink of the address pinged: only the rules make either ping answered.
  { file: 'policy-routing.yaml', pings: [['far', '10.0.1.2'], ['far', '10.0.2.2']] },
  { file: 'neighbours.yaml', pings: [['client', '10.30.0.2'], ['client', 'fd00:30::2']] },
  // The containers are reachable from outside only through the published port (TCP: nat-variants.test.ts).
  { file: 'port-publishing.yaml', pings: [['web', '198.51.100.2'], ['client', '198.51.100.1'], ['web', '172.17.0.1']] },
  // Ping is forwarded from the client's side only; the replies as established. Its tests connect to the servers
  // the lab runs (run:): one port accepted, one rejected, one dropped.
  { file: 'firewall.yaml', pings: [['client', '10.0.2.2'], ['client', '10.0.1.1'], ['server', '10.0.2.1']], tests: true },
  { file: 'bridge-options.yaml', pings: [['h1', '10.20.0.2'], ['h2', 'fd00:20::1'], ['mon', '10.20.0.1']], stp: ['sw', 'br0'] },
  { file: 'shaped-link.yaml', pings: [['client', '10.0.1.3'], ['server', '10.0.1.2'], ['server', '10.0.2.1']] },
  // By name: ip netns exec puts the hosts files topo wrote in place of /etc/hosts.
  { file: 'hosts-by-name.yaml', pings: [['client', 'web'], ['web', 'client'], ['client', 'gateway']] },
  // A web server run by topo (run:), reached through the port forward by the file's tcp and http tests.
  { file: 'web-server.yaml', pings: [['outside', '198.51.100.1'], ['router', '10.0.1.2']], tests: true },
];

/**
 * Processes a lab started (marked TOPO_LAB) that still use one of the sandbox's namespaces: killed by pid, so none
 * outlives a failed test (they are no children of the sandbox's process). Read by the test from /proc, as root.
 */
async function killLabProcesses(sb: Sandbox): Promise<void> {
  const inodes = (await sb.sh('for f in /run/netns/*; do [ -e "$f" ] && stat -L -c %i "$f"; done; true')).stdout.split('\n').filter(Boolean);
  if (!inodes.length) return;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ino = /net:\[(\d+)\]/.exec(readlinkSync(`/proc/${d}/ns/net`))?.[1];
      if (ino && inodes.includes(ino) && readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').some((e) => e.startsWith('TOPO_LAB='))) process.kill(Number(d), 'SIGKILL');
    } catch { /* gone */ }
  }
}

describe('examples', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await killLabProcesses(sb); await sb.close(); });

  for (const c of CASES) {
    it(`${c.file}: apply, ping across, re-apply is a no-op, destroy leaves nothing`, async () => {
      const before = await sb.snapshot();
      const applied = await sb.topo(['apply', example(c.file)]);
      expect(withoutProgress(applied.stderr)).toBe('');
      expect(applied.exitCode).toBe(0);
      if (c.stp) await forwarding(sb, ...c.stp);
      for (const [from, to] of c.pings) expect(await sb.ping(from, to), `${from} -> ${to}`).toBe(true);
      if (c.tests) {
        const t = await sb.topo(['test', example(c.file)]);
        expect(t.exitCode, t.stdout + t.stderr).toBe(0);
      }

      const again = await sb.topo(['apply', example(c.file), '--json']);
      expect(again.exitCode).toBe(0);
      expect(JSON.parse(again.stdout).changed).toBe(false);
      const plan = await sb.topo(['plan', example(c.file), '--detailed-exitcode']);
      expect(plan.exitCode).toBe(0);

      const destroyed = await sb.topo(['destroy', example(c.file)]);
      expect(destroyed.exitCode).toBe(0);
      expect(await sb.netns()).toEqual([]);
      expect(await sb.snapshot()).toEqual(before);
    });
  }
});

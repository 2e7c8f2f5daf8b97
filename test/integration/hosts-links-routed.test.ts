// Seed 002 with its routes between the machines written as a routed link (examples/two-nodes-routed.yaml:
// `links: [{ mode: routed, between: [node1, node2] }]`), over two simulated hosts reached by real SSH
// (test/helpers/hosts.ts), host by host with `topo apply FILE --host NAME`. Read back on each host over ssh: the
// route to the other host's bridge subnet via its underlay address (the one seed 002 writes by hand), forwarding,
// the masquerade table; pings NS1@node1 <-> NS1@node2 across the underlay, `topo test --host`, a no-op re-apply,
// destroy leaving each host as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../helpers/sandbox.js';
import { SimHosts } from '../helpers/hosts.js';
import { hostState, pingsFrom } from '../helpers/links-hosts.js';

const FILE = example('two-nodes-routed.yaml');
const NODES = [{ name: 'node1', address: '192.168.1.5', subnet: '172.16.0', other: '172.16.1.0/24', via: '192.168.1.6', far: '172.16.1.2' },
  { name: 'node2', address: '192.168.1.6', subnet: '172.16.1', other: '172.16.0.0/24', via: '192.168.1.5', far: '172.16.0.2' }];

describe('a routed link between two hosts (seed 002 with links: mode routed), host by host over SSH', () => {
  let sim: SimHosts;
  const before: Record<string, Awaited<ReturnType<typeof hostState>>> = {};
  beforeAll(async () => {
    sim = await SimHosts.create(NODES.map(({ name, address }) => ({ name, address })), '192.168.1.2');
    for (const n of NODES) before[n.name] = await hostState(sim, n.name);
  });
  afterAll(async () => { await sim?.close(); });

  it("plan shows each host's route to the other's subnet via its underlay address", async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['plan', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const changes = (JSON.parse(r.stdout) as { changes: { op: string; kind: string; label: string; namespace: string }[] }).changes;
      expect(changes.filter((c) => c.kind === 'route' && c.namespace === 'host').map((c) => `${c.op} ${c.label}`)).toEqual([`create ${n.other} via ${n.via}`]);
    }
  });

  it("applies each host's part over ssh; the routes, forwarding and masquerade read back on each host", async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-routed.${n.name}`, changed: true });
    }
    for (const n of NODES) {
      const s = await hostState(sim, n.name);
      expect(s.netns).toEqual(['NS1', 'NS2']);
      expect(s.forward).toBe('1');
      expect(s.links.map((l) => l.ifname)).toEqual(['br0', 'eth0', 'lo', 'veth10', 'veth20']);
      // The seed's hand-written route, made by the link: the kernel finds eth0 (the underlay) for the gateway.
      expect(s.routes).toEqual([`${n.subnet}.0/24 - br0 kernel`, `${n.other} ${n.via} eth0 241`, '192.168.1.0/24 - eth0 kernel'].sort());
      expect(s.tables).toBe(`table inet topo-two-nodes-routed.${n.name}`);
    }
  });

  it('NS1 on node1 pings NS1 on node2 across the underlay, and back', async () => {
    for (const n of NODES) expect(await pingsFrom(sim, n.name, 'NS1', n.far)).toBe(true);
  });

  it("each host's tests (to its own namespaces and the other host's) pass with topo test --host", async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['test', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    }
  });

  it('a second apply changes nothing on either host', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: false });
    }
  });

  it('destroy leaves each host as it was, its underlay eth0 and address untouched', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['destroy', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-routed.${n.name}`, changed: true });
    }
    for (const n of NODES) expect(await hostState(sim, n.name)).toEqual(before[n.name]);
  });
});

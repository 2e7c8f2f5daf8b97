// The VXLAN variant of seed 002 (examples/two-nodes-vxlan.yaml) over two simulated hosts reached by real SSH
// (test/helpers/hosts.ts), driven host by host with `topo apply FILE --host NAME`: NS1 on node1 and NS1 on node2 share
// one layer-2 segment through a VXLAN link. Read back on each host over ssh: the endpoint (VNI, remote, local, port,
// MTU), its bridge and the veth to the end; pings both ways across the underlay (with full-size frames that must not
// be fragmented), `topo test --host`, a no-op re-apply, an edited address applied as an edit, destroy leaving each
// host as before. Then with node1's underlay at MTU 1400: an end MTU too large is refused (line:col, the numbers,
// nothing changed) and the default end MTU follows the underlay (1350). And an end with `bridge:` that stretches a
// bridge of each host's root namespace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNames, linkVni } from '../../src/core/links.js';
import { validateText } from '../../src/validate/index.js';
import { example } from '../helpers/sandbox.js';
import { SimHosts } from '../helpers/hosts.js';
import { hostState, pingsFrom } from '../helpers/links-hosts.js';

const FILE = example('two-nodes-vxlan.yaml');
const TEXT = readFileSync(FILE, 'utf8');
const TOPO = validateText(TEXT, FILE).topo!;
const VNI = linkVni(TOPO.name, TOPO.links![0], undefined);
const N = linkNames(VNI);
const NODES = [{ name: 'node1', address: '192.168.1.5', other: '192.168.1.6', end: '10.0.0.1', far: '10.0.0.2' },
  { name: 'node2', address: '192.168.1.6', other: '192.168.1.5', end: '10.0.0.2', far: '10.0.0.1' }];

interface DLink {
  ifname: string; mtu: number; master?: string; ifalias?: string; operstate: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; remote?: string; local?: string; port?: number; learning?: boolean } };
}

describe('a VXLAN link between two hosts (seed 002\'s VXLAN variant), host by host over SSH', () => {
  let sim: SimHosts;
  let dir: string;
  const before: Record<string, Awaited<ReturnType<typeof hostState>>> = {};
  beforeAll(async () => {
    sim = await SimHosts.create(NODES.map(({ name, address }) => ({ name, address })), '192.168.1.2');
    for (const n of NODES) before[n.name] = await hostState(sim, n.name);
    dir = mkdtempSync(join(tmpdir(), 'topo-links-'));
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the VNI is derived from the lab and the ends, and names the link\'s interfaces', () => {
    expect(VNI).toBeGreaterThan(0);
    expect(VNI).toBeLessThanOrEqual(0xffffff);
    expect(N.vxlan).toBe(`lk-${VNI}-vx`);
    expect(N.vxlan.length).toBeLessThanOrEqual(15);
  });

  it('applies each host\'s part over ssh; the endpoint, its bridge and the end read back on each host', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-vxlan.${n.name}`, changed: true });
    }
    for (const n of NODES) {
      const alias = `topo:two-nodes-vxlan.${n.name}`;
      const [vx] = await sim.ipJson<DLink[]>(n.name, '-d', 'link', 'show', 'dev', N.vxlan);
      expect(vx.linkinfo?.info_kind).toBe('vxlan');
      expect(vx.linkinfo?.info_data).toMatchObject({ id: VNI, remote: n.other, local: n.address, port: 4789, learning: false });
      expect({ mtu: vx.mtu, master: vx.master, ifalias: vx.ifalias }).toEqual({ mtu: 1450, master: N.bridge, ifalias: alias });
      const [ve] = await sim.ipJson<DLink[]>(n.name, '-d', 'link', 'show', 'dev', N.peer);
      expect({ kind: ve.linkinfo?.info_kind, mtu: ve.mtu, master: ve.master, ifalias: ve.ifalias }).toEqual({ kind: 'veth', mtu: 1450, master: N.bridge, ifalias: alias });
      const [br] = await sim.ipJson<DLink[]>(n.name, '-d', 'link', 'show', 'dev', N.bridge);
      expect({ kind: br.linkinfo?.info_kind, mtu: br.mtu, ifalias: br.ifalias, state: br.operstate }).toEqual({ kind: 'bridge', mtu: 1450, ifalias: alias, state: 'UP' });
      const [eth1] = await sim.ipJson<(DLink & { addr_info: { local: string; prefixlen: number; scope: string }[] })[]>(n.name, '-n', 'NS1', 'addr', 'show', 'dev', 'eth1');
      expect(eth1.mtu).toBe(1450);
      expect(eth1.addr_info.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${n.end}/24`]);
      const s = await hostState(sim, n.name);
      expect(s.netns).toEqual(['NS1', 'NS2']);
      expect(s.links.map((l) => l.ifname)).toEqual(['br0', 'eth0', 'lo', N.bridge, N.peer, N.vxlan, 'veth10', 'veth20'].sort());
    }
  });

  it('NS1 on node1 and NS1 on node2 reach each other across the underlay, with full-size frames (1450) unfragmented', async () => {
    for (const n of NODES) {
      expect(await pingsFrom(sim, n.name, 'NS1', n.far)).toBe(true);
      // 1422 bytes of ICMP data + 28 of headers = 1450, eth1's MTU; -M do: the kernel may not fragment it.
      expect(await pingsFrom(sim, n.name, 'NS1', n.far, ['-M', 'do', '-s', '1422'])).toBe(true);
    }
  });

  it("each host's tests pass with topo test --host", async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['test', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    }
  });

  it('topo show --host lists the link\'s objects with its VNI and remote', async () => {
    const r = await sim.topo('node1', ['show', FILE, '--host', 'node1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${N.vxlan} VNI ${VNI}`);
    expect(r.stdout).toContain('remote 192.168.1.6');
    expect(r.stdout).toContain(N.bridge);
  });

  it('a second apply changes nothing on either host', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: false });
    }
  });

  it("an edited end address is an edit of node2's address alone: the tunnel stays, and node1 reaches the new address", async () => {
    const edited = join(dir, 'two-nodes-vxlan.yaml');
    writeFileSync(edited, TEXT.replaceAll('10.0.0.2', '10.0.0.3')); // the end's address, and the test's target
    const plan = await sim.topo('node2', ['plan', edited, '--host', 'node2', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const changes = (JSON.parse(plan.stdout) as { changes: { op: string; kind: string; label: string }[] }).changes;
    expect(changes.map((c) => `${c.op} ${c.kind} ${c.label}`).sort()).toEqual(['create address 10.0.0.3/24 on eth1', 'delete address 10.0.0.2/24 on eth1']);
    const r = await sim.topo('node2', ['apply', edited, '--host', 'node2', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: true });
    expect(await pingsFrom(sim, 'node1', 'NS1', '10.0.0.3')).toBe(true);
    expect(await pingsFrom(sim, 'node1', 'NS1', '10.0.0.2')).toBe(false);
    const again = await sim.topo('node2', ['apply', edited, '--host', 'node2', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, changed: false });
    // node2 back to the example's address, applied from the example itself.
    const back = await sim.topo('node2', ['apply', FILE, '--host', 'node2', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
  });

  it('destroy leaves each host as it was, its underlay eth0 untouched', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['destroy', FILE, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-vxlan.${n.name}`, changed: true });
    }
    for (const n of NODES) expect(await hostState(sim, n.name)).toEqual(before[n.name]);
  });

  it('an end with bridge: stretches a bridge of each root namespace across the underlay (explicit vni), and is destroyed with its part', async () => {
    const file = join(dir, 'stretch.yaml');
    writeFileSync(file, `name: stretch
machines:
  node1: { ssh: root@192.168.1.5, underlay: 192.168.1.5 }
  node2: { ssh: root@192.168.1.6, underlay: 192.168.1.6 }
namespaces:
  host@node1: { bridges: { br9: { addresses: [10.1.0.1/24] } } }
  host@node2: { bridges: { br9: { addresses: [10.1.0.2/24] } } }
links:
  - vni: 4242
    ends:
      - { namespace: host@node1, name: up9, bridge: br9 }
      - { namespace: host@node2, name: up9, bridge: br9 }
`);
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', file, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    for (const n of NODES) {
      const [up9] = await sim.ipJson<DLink[]>(n.name, 'link', 'show', 'dev', 'up9');
      expect([up9.master, up9.mtu]).toEqual(['br9', 1450]);
      const [vx] = await sim.ipJson<DLink[]>(n.name, '-d', 'link', 'show', 'dev', 'lk-4242-vx');
      expect(vx.linkinfo?.info_data).toMatchObject({ id: 4242, remote: n.other, local: n.address });
    }
    const far = await sim.ssh('node1', ['ping', '-n', '-q', '-c', '1', '-W', '2', '10.1.0.2']);
    expect(far.stdout).toMatch(/1 packets transmitted, 1 received/);
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['destroy', file, '--host', n.name, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await hostState(sim, n.name)).toEqual(before[n.name]);
    }
  });

  describe("node1's underlay at MTU 1400", () => {
    beforeAll(async () => {
      const r = await sim.ssh('node1', ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1400']);
      expect(r.exitCode, r.stderr).toBe(0);
      before.node1small = await hostState(sim, 'node1');
    });

    it('an end MTU the underlay can\'t carry is refused on that host with the numbers, at its line, nothing changed', async () => {
      const big = join(dir, 'big-mtu.yaml');
      writeFileSync(big, TEXT.replace('name: eth1, addresses: [10.0.0.1/24] }', 'name: eth1, addresses: [10.0.0.1/24], mtu: 1450 }'));
      const line = TEXT.split('\n').findIndex((l) => l.includes('10.0.0.1/24')) + 1;
      const r = await sim.topo('node1', ['apply', big, '--host', 'node1']);
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toContain(`${big}:${line}:`);
      expect(r.stderr).toContain("error: MTU 1450 of eth1 is more than host node1's underlay can carry: 1350 (eth0's MTU 1400 less 50 bytes of VXLAN over IPv4 headers)");
      expect(await hostState(sim, 'node1')).toEqual(before.node1small);
      // node2's underlay is at 1500: the same file is fine there (each host checks its own end).
      const v = await sim.topo('node2', ['plan', big, '--host', 'node2']);
      expect(v.exitCode, v.stderr).toBe(0);
    });

    it('without mtu, the end and the tunnel get the underlay\'s MTU less 50: 1350', async () => {
      const r = await sim.topo('node1', ['apply', FILE, '--host', 'node1', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const [vx] = await sim.ipJson<DLink[]>('node1', '-d', 'link', 'show', 'dev', N.vxlan);
      const [eth1] = await sim.ipJson<DLink[]>('node1', '-n', 'NS1', 'link', 'show', 'dev', 'eth1');
      expect([vx.mtu, eth1.mtu]).toEqual([1350, 1350]);
      const again = await sim.topo('node1', ['apply', FILE, '--host', 'node1', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, changed: false });
      const d = await sim.topo('node1', ['destroy', FILE, '--host', 'node1', '--json']);
      expect(d.exitCode, d.stderr).toBe(0);
      expect(await hostState(sim, 'node1')).toEqual(before.node1small);
    });
  });
});

// Seed 002's two variants with links between the hosts (examples/two-nodes-vxlan.yaml, examples/two-nodes-routed.yaml)
// driven from the controller by ONE `topo apply FILE` over real SSH (src/remote/), as seed 002 itself is in
// hosts-fanout.test.ts: each host's half of the link read back there over ssh, pings across the underlay, `topo test
// FILE` green on every host, a second apply a no-op everywhere, destroy leaving every host as it was.
// (Host by host with --host, and the MTU and edit cases: hosts-links-vxlan.test.ts, hosts-links-routed.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../helpers/sandbox.js';
import { SimHosts } from '../helpers/hosts.js';

const NODES = [{ name: 'node1', address: '192.168.1.5', peer: '192.168.1.6' }, { name: 'node2', address: '192.168.1.6', peer: '192.168.1.5' }];

/** The example as the controller's file: each host's `topo:` is this checkout's (the simulated hosts share its files). */
function controllerCopy(sim: SimHosts, name: string): string {
  let text = readFileSync(example(name), 'utf8');
  for (const n of NODES) text = text.replace(`underlay: ${n.address} }`, `underlay: ${n.address}, topo: ${JSON.stringify(SimHosts.TOPO_COMMAND)} }`);
  const file = join(sim.dir, name);
  writeFileSync(file, text);
  return file;
}

interface Link { ifname: string; master?: string; mtu?: number; linkinfo?: { info_kind?: string; info_data?: { id?: number; remote?: string; local?: string; port?: number } } }

/** What a host shows, read over ssh: namespaces, root interfaces (kind, master, vxlan id/remote/local/port), routes. */
async function state(sim: SimHosts, host: string) {
  const netns = (await sim.ipJson<{ name: string }[]>(host, 'netns', 'list')).map((n) => n.name).sort();
  const links = (await sim.ipJson<Link[]>(host, '-d', 'link', 'show')).map((l) => {
    const d = l.linkinfo?.info_data;
    return `${l.ifname} ${l.linkinfo?.info_kind ?? '-'} ${l.master ?? '-'}${l.linkinfo?.info_kind === 'vxlan' ? ` ${d?.id} ${d?.remote} ${d?.local} ${d?.port}` : ''}`;
  }).sort();
  const routes = (await sim.ipJson<{ dst: string; gateway?: string; dev: string }[]>(host, 'route', 'show')).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev}`).sort();
  return { netns, links, routes };
}
const states = async (sim: SimHosts) => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n.name, await state(sim, n.name)] as const)));

describe('links between hosts, driven from the controller by one topo apply over ssh', () => {
  let sim: SimHosts;
  let before: Record<string, Awaited<ReturnType<typeof state>>>;
  const topo = (args: string[]) => sim.controllerTopo([...args, '--ssh-config', sim.sshConfig]);
  beforeAll(async () => {
    sim = await SimHosts.create(NODES.map(({ name, address }) => ({ name, address })), '192.168.1.2');
    before = await states(sim);
  });
  afterAll(async () => { await sim?.close(); });

  it('the VXLAN variant: applied on both hosts, each half read back, NS1 to NS1 on one segment, tested, a no-op again, destroyed', async () => {
    const file = controllerCopy(sim, 'two-nodes-vxlan.yaml');
    const applied = await topo(['apply', file, '--json']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, lab: 'two-nodes-vxlan', hosts: { node1: { ok: true, changed: true }, node2: { ok: true, changed: true } } });
    const after = await states(sim);
    const vnis = new Set<string>();
    for (const n of NODES) {
      const vx = after[n.name].links.filter((l) => / vxlan /.test(l));
      expect(vx).toEqual([expect.stringMatching(new RegExp(`^lk-(\\d+)-vx vxlan lk-\\1-br \\1 ${n.peer.replace(/\./g, '\\.')} ${n.address.replace(/\./g, '\\.')} 4789$`))]);
      vnis.add(vx[0]!.split(' ')[0]!);
      expect(after[n.name].netns).toEqual(['NS1', 'NS2']);
      const eth1 = await sim.ipJson<{ ifname: string; mtu: number; addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(n.name, '-n', 'NS1', 'addr', 'show', 'dev', 'eth1');
      expect(eth1[0]!.mtu).toBe(1450);
      expect(eth1[0]!.addr_info.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([n.name === 'node1' ? '10.0.0.1/24' : '10.0.0.2/24']);
    }
    expect(vnis.size).toBe(1); // one VNI, computed alike on both hosts
    for (const [host, to] of [['node1', '10.0.0.2'], ['node2', '10.0.0.1']] as const) {
      const ping = await sim.ssh(host, ['ip', 'netns', 'exec', 'NS1', 'ping', '-c', '1', '-W', '5', to]);
      expect(ping.exitCode, ping.stdout + ping.stderr).toBe(0);
    }
    const tested = await topo(['test', file]);
    expect(tested.exitCode, tested.stdout + tested.stderr).toBe(0);
    const again = await topo(['apply', file, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, hosts: { node1: { changed: false }, node2: { changed: false } } });
    const destroyed = await topo(['destroy', file]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await states(sim)).toEqual(before);
  });

  it('the routed variant: each host routes the other\'s bridge subnet via its underlay address; tested, a no-op again, destroyed', async () => {
    const file = controllerCopy(sim, 'two-nodes-routed.yaml');
    const applied = await topo(['apply', file]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const after = await states(sim);
    expect(after.node1.routes).toContain('172.16.1.0/24 192.168.1.6 eth0');
    expect(after.node2.routes).toContain('172.16.0.0/24 192.168.1.5 eth0');
    const ping = await sim.ssh('node1', ['ip', 'netns', 'exec', 'NS1', 'ping', '-c', '1', '-W', '5', '172.16.1.2']);
    expect(ping.exitCode, ping.stdout + ping.stderr).toBe(0);
    const tested = await topo(['test', file]);
    expect(tested.exitCode, tested.stdout + tested.stderr).toBe(0);
    const again = await topo(['apply', file, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, hosts: { node1: { changed: false }, node2: { changed: false } } });
    const destroyed = await topo(['destroy', file]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await states(sim)).toEqual(before);
  });
});

// Seed 002 as written, over two simulated hosts reached by real SSH (test/helpers/hosts.ts): from the controller,
// `ssh root@node1 topo apply examples/two-nodes-ssh.yaml --host node1`, then node2; every host's kernel state read
// back over ssh; a ping from NS1 on node1 to NS1 on node2 across the underlay; each host's `topo test --host`; a
// second apply a no-op on both; destroy leaving each host as it was — its underlay eth0 included, which the lab's
// routes and NAT use and never own.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateText } from '../../src/validate/index.js';
import { example } from '../helpers/sandbox.js';
import { SimHosts } from '../helpers/hosts.js';

const FILE = example('two-nodes-ssh.yaml');
const NODES = [{ name: 'node1', address: '192.168.1.5', subnet: '172.16.0', other: '172.16.1.0/24', via: '192.168.1.6' },
  { name: 'node2', address: '192.168.1.6', subnet: '172.16.1', other: '172.16.0.0/24', via: '192.168.1.5' }];

/** Each host's `ssh:` as the file says it: the controller reaches the host the way the file tells it to. */
const SSH = validateText(readFileSync(FILE), FILE).topo!.machines!;

interface Link { ifname: string; master?: string; ifalias?: string; operstate: string; addr_info?: { local: string; prefixlen: number; scope: string }[] }
interface Route { dst: string; gateway?: string; dev: string; protocol?: string }

/** What a host's kernel shows, read over ssh: namespaces, root links with addresses, routes, forwarding, nft tables. */
async function state(sim: SimHosts, host: string) {
  const alias = new Map((await sim.ipJson<Link[]>(host, 'link', 'show')).map((l) => [l.ifname, l.ifalias]));
  const links = (await sim.ipJson<Link[]>(host, 'addr', 'show')).map((l) => ({
    ifname: l.ifname, master: l.master, ifalias: alias.get(l.ifname),
    addrs: (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
  })).sort((a, b) => a.ifname.localeCompare(b.ifname));
  const routes = (await sim.ipJson<Route[]>(host, 'route', 'show')).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev} ${r.protocol ?? ''}`).sort();
  const netns = (await sim.ipJson<{ name: string }[]>(host, 'netns', 'list')).map((n) => n.name).sort();
  const forward = (await sim.ssh(host, ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim();
  const tables = (await sim.ssh(host, ['nft', 'list', 'tables'])).stdout.trim();
  return { links, routes, netns, forward, tables };
}

describe('seed 002 over two hosts, by hand over SSH', () => {
  let sim: SimHosts;
  const before: Record<string, Awaited<ReturnType<typeof state>>> = {};
  beforeAll(async () => {
    sim = await SimHosts.create(NODES.map(({ name, address }) => ({ name, address })), '192.168.1.2');
    for (const n of NODES) before[n.name] = await state(sim, n.name);
  });
  afterAll(async () => { await sim?.close(); });

  it('each host has only lo and its underlay eth0 to start with, and sshd listens on the underlay address only', async () => {
    for (const n of NODES) {
      expect(before[n.name].links.map((l) => l.ifname)).toEqual(['eth0', 'lo']);
      expect(before[n.name].netns).toEqual([]);
      const listening = (await sim.ssh(n.name, ['ss', '-H', '-ltn'])).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[3]);
      expect(listening).toEqual([`${n.address}:22`]);
    }
  });

  it('applies each host\'s part over ssh, one host after the other; reads every host back over ssh', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json'], SSH[n.name].ssh);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-ssh.${n.name}`, changed: true });
    }
    for (const n of NODES) {
      const s = await state(sim, n.name);
      expect(s.netns).toEqual(['NS1', 'NS2']);
      expect(s.forward).toBe('1');
      expect(s.links).toEqual([
        { ifname: 'br0', master: undefined, ifalias: `topo:two-nodes-ssh.${n.name}`, addrs: [`${n.subnet}.1/24`] },
        { ifname: 'eth0', master: undefined, ifalias: undefined, addrs: [`${n.address}/24`] },
        { ifname: 'lo', master: undefined, ifalias: undefined, addrs: ['127.0.0.1/8', '::1/128'] },
        { ifname: 'veth10', master: 'br0', ifalias: `topo:two-nodes-ssh.${n.name}`, addrs: [] },
        { ifname: 'veth20', master: 'br0', ifalias: `topo:two-nodes-ssh.${n.name}`, addrs: [] },
      ]);
      expect(s.routes).toEqual([
        `${n.subnet}.0/24 - br0 kernel`, `${n.other} ${n.via} eth0 241`, '192.168.1.0/24 - eth0 kernel',
      ].sort());
      expect(s.tables).toBe(`table inet topo-two-nodes-ssh.${n.name}`);
      const ns1 = await sim.ipJson<Link[]>(n.name, '-n', 'NS1', 'addr', 'show', 'dev', 'veth11');
      expect(ns1[0].addr_info!.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${n.subnet}.2/24`]);
      const masq = JSON.parse((await sim.ssh(n.name, ['nft', '-j', 'list', 'table', 'inet', `topo-two-nodes-ssh.${n.name}`])).stdout) as { nftables: { rule?: { expr: unknown[] } }[] };
      expect(masq.nftables.filter((x) => x.rule).map((x) => JSON.stringify(x.rule!.expr))).toEqual([
        expect.stringMatching(/"oifname".*"eth0".*"172\.16\.\d\.0".*"masquerade"/),
      ]);
    }
  });

  it('NS1 on node1 pings NS1 on node2 across the underlay, and back', async () => {
    const there = await sim.ssh('node1', ['ip', 'netns', 'exec', 'NS1', 'ping', '-n', '-q', '-c', '1', '-W', '2', '172.16.1.2']);
    expect(there.stdout).toMatch(/1 packets transmitted, 1 received/);
    const back = await sim.ssh('node2', ['ip', 'netns', 'exec', 'NS1', 'ping', '-n', '-q', '-c', '1', '-W', '2', '172.16.0.2']);
    expect(back.stdout).toMatch(/1 packets transmitted, 1 received/);
  });

  it("each host's tests (from its namespaces, to its own and the other host's) pass with topo test --host", async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['test', FILE, '--host', n.name, '--json']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    }
  });

  it('a second apply changes nothing on either host', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['apply', FILE, '--host', n.name, '--json']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: false });
    }
  });

  it('destroy leaves each host as it was, its underlay eth0 and address untouched', async () => {
    for (const n of NODES) {
      const r = await sim.topo(n.name, ['destroy', FILE, '--host', n.name, '--json']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: `two-nodes-ssh.${n.name}`, changed: true });
    }
    for (const n of NODES) expect(await state(sim, n.name)).toEqual(before[n.name]);
  });
});

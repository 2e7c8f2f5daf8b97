// The netlink engine's writes make the kernel state `ip` makes: each lab (every link kind, IPv4 and IPv6 addresses,
// routes of named tables, policy rules of both families and every action, neighbours, bridge options, macvlan, vxlan, addrgenmode, promisc, alias, mtu, MAC) is
// applied with TOPO_ENGINE=ip in one sandbox and with the netlink engine in another, then edited (every update shape:
// mtu, alias, up/down, MAC, bridge options, STP off, VXLAN tunnel and learning, macvlan mode, route replace and
// delete, neighbour replace and delete, address delete), and each time the two kernels, read back whole with
// `ip -json -d`, are the same but for what no lab sets (interface indexes, random MACs, timers, counters, carrier).
// Also: the netlink apply started no `ip` process for the commands it translates (the trace), and a refused request
// names the command as the plan prints it with ip's words for the kernel's answer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';

const dir = mkdtempSync('/tmp/topo-nlw-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LAB_V1 = `name: nlw
tables: { t1: 100, t2: 300 }
namespaces:
  sw:
    bridges:
      br0: { stp: true, forward_delay: 4, hello_time: 1, max_age: 6, ageing_time: 60, mcast_snooping: false, mtu: 1400, addrgenmode: none }
      br1: { mac: "02:00:00:00:b1:01", promisc: true, up: false }
  a:
    routes:
      - { to: 10.9.0.0/24, via: 10.20.0.2 }
      - { to: 10.8.0.0/24, dev: eth0, metric: 50 }
      - { to: "fd00:9::/64", via: "fd00:20::2" }
      - { to: default, via: 10.20.0.2, table: t1 }
      - { to: 10.7.0.0/24, via: 10.20.0.2, table: t2 }
    rules:
      - { priority: 1000, from: 10.20.0.0/24, table: t1 }
      - { priority: 1001, to: "fd00:9::/64", iif: eth0, table: t2 }
      - { priority: 1002, fwmark: "0x10/0xff", action: blackhole }
      - { priority: 1003, oif: eth1, goto: 1005 }
      - { priority: 1005, from: 10.21.0.0/24, action: prohibit }
    neighbours:
      - { address: 10.20.0.9, lladdr: "02:00:00:00:00:09", dev: eth0 }
      - { address: "fd00:20::9", lladdr: "02:00:00:00:00:09", dev: eth0 }
  b:
    vxlans:
      vx0: { id: 42, remote: 192.168.0.2, local: 192.168.0.1, dev: u1, learning: false }
      vx6: { id: 43, remote: "fd00:99::2", dev: u1, dstport: 4790 }
  c:
    macvlans:
      mv0: { parent: { name: u2, namespace: c }, mode: bridge, addresses: [10.30.0.5/24], mtu: 1300 }
veths:
  - ends:
      - { name: eth0, namespace: a, addresses: [10.20.0.1/24, "fd00:20::1/64"], mtu: 1400, mac: "02:00:00:00:0a:01" }
      - { name: p1, namespace: sw, bridge: br0, mtu: 1400, addrgenmode: none }
  - ends:
      - { name: eth1, namespace: a, addresses: [10.21.0.1/24], promisc: true }
      - { name: p2, namespace: sw, bridge: br0, mtu: 1400 }
  - ends:
      - { name: u1, namespace: b, addresses: [192.168.0.1/24, "fd00:99::1/64"] }
      - { name: u2, namespace: c, addresses: [192.168.0.2/24] }
  - ends:
      - { name: lone, namespace: a, up: false }
      - { name: lone, namespace: b, addrgenmode: random }
`;

/** The second version: every field the kinds update, changed. */
const LAB_V2 = LAB_V1
  .replace('{ priority: 1000, from: 10.20.0.0/24, table: t1 }', '{ priority: 1000, from: 10.20.0.0/24, table: t2 }')
  .replace('      - { priority: 1002, fwmark: "0x10/0xff", action: blackhole }\n', '')
  .replace('br0: { stp: true, forward_delay: 4', 'br0: { stp: false, forward_delay: 6')
  .replace('ageing_time: 60, mcast_snooping: false, mtu: 1400', 'ageing_time: 90, mcast_snooping: true, mtu: 1400')
  .replace('promisc: true, up: false }', 'promisc: false, up: true }')
  .replace('{ to: 10.9.0.0/24, via: 10.20.0.2 }', '{ to: 10.9.0.0/24, via: 10.20.0.3 }')
  .replace('      - { to: 10.7.0.0/24, via: 10.20.0.2, table: t2 }\n', '')
  .replace('      - { to: "fd00:9::/64", via: "fd00:20::2" }\n', '')
  .replace('lladdr: "02:00:00:00:00:09", dev: eth0 }\n      - { address: "fd00:20::9"', 'lladdr: "02:00:00:00:00:0a", dev: eth0 }\n      - { address: "fd00:20::9"')
  .replace('      - { address: "fd00:20::9", lladdr: "02:00:00:00:00:09", dev: eth0 }\n', '')
  .replace('remote: 192.168.0.2, local: 192.168.0.1, dev: u1, learning: false', 'remote: 192.168.0.3, local: 192.168.0.1, dev: u1, learning: true')
  .replace('mode: bridge, addresses: [10.30.0.5/24], mtu: 1300', 'mode: private, addresses: [10.30.0.5/24], mtu: 1280')
  .replace('addresses: [10.20.0.1/24, "fd00:20::1/64"], mtu: 1400, mac: "02:00:00:00:0a:01"', 'addresses: [10.20.0.1/24], mtu: 1400, mac: "02:00:00:00:0a:02"')
  .replace('{ name: lone, namespace: a, up: false }', '{ name: lone, namespace: a, up: true }')
  .replace('{ name: lone, namespace: b, addrgenmode: random }', '{ name: lone, namespace: b, addrgenmode: none }');

/** Keys whose values differ from run to run whatever made the state (indexes, kernel-chosen MACs, timers, counters, a bridge port's STP state). */
const VOLATILE = /^(ifindex|link_index|link_netnsid|operstate|stats64?|perm_address|bridge_id|root_id|root_port|root_path_cost|designated_(root|bridge|port|cost)|id|no|.*_timer|valid_life_time|preferred_life_time|broadcast|state)$/;

function normalise(v: unknown, key = '', macSet = false): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, '', macSet));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const set = macSet || typeof o.address === 'string' && /^02:00:00:00:/.test(o.address);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      // `id` is volatile as the bridge's own id, not as a VXLAN's VNI (inside info_data of kind vxlan).
      if (k === 'id' && typeof x === 'number') { out[k] = x; continue; }
      if (VOLATILE.test(k) || (k === 'address' && !set)) continue;
      // Carrier comes a moment after an interface goes up (a bridge's once a port forwards): not what a request set.
      if (k === 'flags' && Array.isArray(x)) { out[k] = x.filter((f) => f !== 'NO-CARRIER' && f !== 'LOWER_UP'); continue; }
      out[k] = normalise(x, k, set);
    }
    return out;
  }
  return key === 'address' && !macSet ? undefined : v;
}

/** Everything `ip -json -d` says of a namespace (interfaces with their addresses, routes of all tables, neighbours). */
async function kernel(sb: Sandbox): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ns of ['host', ...(await sb.netns())].sort()) {
    const links = (await sb.ipJson<Record<string, unknown>[]>(ns, '-d', 'addr', 'show')).map((l): Record<string, unknown> => ({
      ...l, addr_info: ((l.addr_info ?? []) as { scope?: string; local?: string }[]).filter((a) => a.scope !== 'link').sort((x, y) => String(x.local).localeCompare(String(y.local))),
    })).sort((x, y) => String(x.ifname).localeCompare(String(y.ifname)));
    const routes = (await sb.ipJson<Record<string, unknown>[]>(ns, '-d', 'route', 'show', 'table', 'all'))
      .filter((r) => !String(r.dst).startsWith('fe80') && !String(r.dst).startsWith('ff00'))
      .map((r) => JSON.stringify(r)).sort();
    const neigh = (await sb.ipJson<Record<string, unknown>[]>(ns, 'neigh', 'show', 'nud', 'permanent')).map((r) => JSON.stringify(r)).sort();
    const rules = [];
    for (const fam of ['-4', '-6']) {
      const r = await sb.run(['ip', fam, ...(ns === 'host' ? [] : ['-n', ns]), '-d', '-json', 'rule', 'show']);
      expect(r.exitCode, r.stderr).toBe(0);
      rules.push(JSON.parse(r.stdout) as unknown);
    }
    out[ns] = normalise({ links, routes, neigh, rules });
  }
  return out;
}

describe('netlink engine writes make what ip makes', () => {
  let viaIp: Sandbox, viaNetlink: Sandbox;
  beforeAll(async () => { [viaIp, viaNetlink] = await Promise.all([Sandbox.create(), Sandbox.create()]); });
  afterAll(async () => { await Promise.all([viaIp?.close(), viaNetlink?.close()]); });

  const applyBoth = async (file: string) => {
    const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
    const [a, b] = await Promise.all([
      viaIp.topo(['apply', file], { TOPO_ENGINE: 'ip' }),
      viaNetlink.topo(['apply', file], { TOPO_ENGINE: 'netlink', TOPO_TRACE_FILE: trace }),
    ]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    return readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  };

  it('a lab of every kind, then every update shape, then destroy: the same kernel both ways', async () => {
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, LAB_V1);
    const trace = await applyBoth(file);
    expect(await kernel(viaNetlink)).toEqual(await kernel(viaIp));
    // The plan's link, address, route and neighbour commands were requests, not processes.
    const requests = trace.filter((a) => a[0] === 'in-process').map((a) => a.slice(1).join(' '));
    for (const shape of [/link add name \S+ .*type veth peer/, /link add name br0 .*type bridge stp_state 1/, /link add vx0 .*type vxlan id 42/,
      /link add link u2 name mv0 .*type macvlan mode bridge/, /addr add fd00:20::1\/64 dev eth0 nodad/, /route add 0\.0\.0\.0\/0 via 10\.20\.0\.2 table 100/,
      /neigh replace 10\.20\.0\.9 lladdr/, /link set dev lone .*addrgenmode random/, /ip -n a rule add priority 1002 fwmark 0x10\/0xff blackhole/,
      /ip -6 -n a rule add priority 1001 to fd00:9::\/64 iif eth0 table 300/]) {
      expect(requests.some((r) => shape.test(r)), `${shape}`).toBe(true);
    }
    // No process but the namespaces' creation (one batch on the host) and the VXLAN's fdb read (`bridge`); the
    // sysctls were written in-process.
    expect(trace.filter((a) => a[0] !== 'in-process').map((a) => a.join(' '))).toEqual(['ip -batch -', 'bridge -n b -json fdb show']);
    expect(requests.filter((r) => r.includes(' tee /proc/sys/'))).toHaveLength(2);

    writeFileSync(file, LAB_V2);
    await applyBoth(file);
    expect(await kernel(viaNetlink)).toEqual(await kernel(viaIp));

    const [a, b] = await Promise.all([viaIp.topo(['destroy', file], { TOPO_ENGINE: 'ip' }), viaNetlink.topo(['destroy', file], { TOPO_ENGINE: 'netlink' })]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(await viaNetlink.netns()).toEqual([]);
    expect(await kernel(viaNetlink)).toEqual(await kernel(viaIp));
  });

  for (const ex of ['neighbours.yaml', 'policy-routing.yaml', 'vxlan-flood.yaml', 'host-to-namespace.yaml']) {
    it(`${ex}: the same kernel both ways, and topo test passes on the netlink-made lab`, async () => {
      await applyBoth(example(ex));
      expect(await kernel(viaNetlink)).toEqual(await kernel(viaIp));
      const t = await viaNetlink.topo(['test', example(ex)]);
      expect(t.exitCode, t.stdout + t.stderr).toBe(0);
      await Promise.all([viaIp.topo(['destroy', example(ex)], { TOPO_ENGINE: 'ip' }), viaNetlink.topo(['destroy', example(ex)])]);
    });
  }

  it("a request the kernel refuses names the plan's command and ip's words, and the apply is rolled back", async () => {
    // This kernel has no bridge VLAN filtering; with its configuration hidden, validation can't tell, and the kernel
    // refuses the request (as in bridge-options.test.ts).
    const file = join(dir, 'vf.yaml');
    writeFileSync(file, 'name: vf\nnamespaces:\n  vfsw:\n    bridges:\n      br0: { stp: true, vlan_filtering: true }\n');
    const hide = 'for f in /proc/config.gz /boot/config-$(uname -r); do [ -e "$f" ] && mount --bind /dev/null "$f"; done; true';
    await Promise.all([viaIp.sh(hide), viaNetlink.sh(hide)]);
    const [a, b] = await Promise.all([viaIp.topo(['apply', file], { TOPO_ENGINE: 'ip' }), viaNetlink.topo(['apply', file], { TOPO_ENGINE: 'netlink' })]);
    expect([a.exitCode, b.exitCode]).toEqual([1, 1]);
    const said = (s: string) => /error: step "br0" failed: .*/.exec(s)?.[0];
    expect(said(b.stderr), b.stderr).toBe('error: step "br0" failed: ip -n vfsw link set dev br0 type bridge vlan_filtering 1: RTNETLINK answers: Operation not supported');
    expect(said(b.stderr)).toBe(said(a.stderr));
    expect(b.stderr).toContain('rolled back: the lab is as it was before this apply');
    expect(await viaNetlink.netns()).not.toContain('vfsw');
  });
});

// Files that validation lets through must apply, verify and converge; and when verification does fail, the
// message says what state the lab is in. Checked against the kernel in a private sandbox:
// - two namespaces each with their own br0 (the kernel's VXLAN selftest layout: a bridge per "hypervisor");
// - an IPv4 gateway that is the namespace's own address (accepted with a warning, as the kernel accepts it);
// - a bridge MTU different from its ports' (the kernel re-adjusts an MTU given at creation when a port joins);
// - a verification failure (a sysctl value the kernel prints differently: "01" reads back as "1").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';

describe('validated labs apply, verify and converge', () => {
  let sb: Sandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    dir = mkdtempSync(join(tmpdir(), 'topo-validated-'));
  });
  afterAll(async () => {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lab = (name: string, text: string) => { const f = join(dir, `${name}.yaml`); writeFileSync(f, text); return f; };
  type Link = { ifname: string; mtu: number; master?: string; flags: string[]; addr_info?: { local: string }[] };
  const links = (ns: string) => sb.ipJson<Link[]>(ns, 'addr', 'show');

  it('two namespaces each with a br0: both built, each with its own ports and address; pings cross each; re-apply is a no-op', async () => {
    const file = lab('two-br0', `name: two-br0
namespaces:
  hv1:
    bridges: { br0: { addresses: [10.1.0.1/24] } }
  hv2:
    bridges: { br0: { addresses: [10.2.0.1/24] } }
  vm1: {}
  vm2: {}
veths:
  - ends: [{ name: eth0, namespace: vm1, addresses: [10.1.0.11/24] }, { name: p0, namespace: hv1, bridge: br0 }]
  - ends: [{ name: eth0, namespace: vm2, addresses: [10.2.0.12/24] }, { name: p0, namespace: hv2, bridge: br0 }]
tests:
  - { from: vm1, ping: hv1 }
  - { from: vm2, ping: hv2 }
`);
    const r = await sb.topo(['apply', file, '--test']);
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    for (const [hv, addr] of [['hv1', '10.1.0.1'], ['hv2', '10.2.0.1']]) {
      const ls = await links(hv);
      const br = ls.find((l) => l.ifname === 'br0')!;
      expect(br.flags).toContain('UP');
      expect(br.addr_info!.map((a) => a.local)).toContain(addr);
      expect(ls.find((l) => l.ifname === 'p0')!.master).toBe('br0');
    }
    expect(await sb.ping('vm1', '10.1.0.1')).toBe(true);
    expect(await sb.ping('vm2', '10.2.0.1')).toBe(true);
    expect((await sb.topo(['plan', file])).stdout).toMatch(/No changes|nothing to do/i);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('an IPv4 gateway that is the namespace\'s own address: a warning, then applied and verified as the kernel takes it', async () => {
    const file = lab('local-gw', `name: local-gw
namespaces:
  ns1:
    routes: [{ to: 10.9.0.0/24, via: 10.0.0.1 }]
veths:
  - ends: [{ name: a, namespace: ns1, addresses: [10.0.0.1/24] }, { name: b, namespace: ns1, addresses: [10.0.0.2/24] }]
`);
    const r = await sb.topo(['apply', file]);
    expect(r.stderr).toContain(`${file}:4:38: warning: gateway 10.0.0.1 is an address of namespace "ns1" itself`);
    expect(r.exitCode).toBe(0);
    const routes = await sb.ipJson<{ dst: string; gateway?: string }[]>('ns1', 'route', 'show', '10.9.0.0/24');
    expect(routes).toEqual([expect.objectContaining({ dst: '10.9.0.0/24', gateway: '10.0.0.1' })]);
    expect((await sb.topo(['apply', file])).stdout).toMatch(/No changes/);
    // plan shows it too; --json lists it; --strict refuses the file.
    expect((await sb.topo(['plan', file])).stderr).toContain(`${file}:4:38: warning: `);
    const planned = JSON.parse((await sb.topo(['plan', file, '--json'])).stdout);
    expect(planned.warnings).toEqual([expect.objectContaining({ code: 'gateway-is-local', severity: 'warning', pos: { line: 4, col: 38 } })]);
    expect((await sb.topo(['apply', '--strict', file])).exitCode).toBe(65);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
  });

  it('a bridge MTU other than its ports\': kept as declared after the ports join (first apply verifies), no-op after', async () => {
    const file = lab('br-mtu', `name: br-mtu
namespaces:
  ns1: {}
  sw: {}
bridges:
  br0: { namespace: sw, mtu: 1400 }
veths:
  - ends: [{ name: a, namespace: ns1, mtu: 1500 }, { name: p, namespace: sw, mtu: 1500, bridge: br0 }]
`);
    const r = await sb.topo(['apply', file]);
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    const ls = await links('sw');
    expect(ls.find((l) => l.ifname === 'br0')!.mtu).toBe(1400);
    expect(ls.find((l) => l.ifname === 'p')!.mtu).toBe(1500);
    expect((await sb.topo(['apply', file])).stdout).toMatch(/No changes/);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
  });

  it('a failed verification says the lab stays applied, and what the next apply and destroy do', async () => {
    const file = lab('unverified', `name: unverified
namespaces:
  ns1:
    sysctls: { net.ipv4.ip_forward: "01" }
`);
    const r = await sb.topo(['apply', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('verification failed: the kernel does not match the file after apply:');
    expect(r.stderr).toContain('sysctl:ns1/net.ipv4.ip_forward: value: desired "01", current "1"');
    expect(r.stderr).toContain('the lab stays applied as it is now');
    expect(r.stderr).toContain('the next `topo apply` plans against the kernel again');
    expect(r.stderr).toContain('`topo destroy` removes the whole lab');
    // As said: applied (not rolled back), and destroy removes it.
    expect(await sb.netns()).toEqual(['ns1']);
    expect((await sb.run(['ip', 'netns', 'exec', 'ns1', 'cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1');
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

// Drift repair: an address, a route, a link state, an MTU or a sysctl changed by hand is reported by
// `plan --detailed-exitcode` (exit 2) and `show`, and put back by the next apply (read back with ip -json).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';

const LAB = `name: drift
namespaces:
  a:
    sysctls: { net.ipv4.ip_forward: 1 }
    routes:
      - { to: 10.9.0.0/24, via: 10.0.0.2 }
  b:
    routes:
      - { to: default, via: 10.0.0.1 }
veths:
  - ends:
      - { name: a-b, namespace: a, addresses: [10.0.0.1/24, "fd00::1/64"], mtu: 1400 }
      - { name: b-a, namespace: b, addresses: [10.0.0.2/24, "fd00::2/64"], mtu: 1400 }
`;

let dir: string, file: string, sb: Sandbox;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'topo-core-drift-'));
  file = join(dir, 'drift.yaml');
  writeFileSync(file, LAB);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  sb = await Sandbox.create();
  const r = await sb.topo(['apply', file]);
  expect(r.exitCode, r.stderr).toBe(0);
});
afterEach(async () => { await sb.close(); });

const link = async (ns: string, dev: string) => (await sb.ipJson<any[]>(ns, 'addr', 'show', 'dev', dev))[0];
const addrs = async (ns: string, dev: string) =>
  ((await link(ns, dev)).addr_info as any[]).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`).sort();
const route = async (ns: string, dst: string) =>
  (await sb.ipJson<any[]>(ns, 'route', 'show', 'table', 'main')).find((r) => r.dst === dst);
const sysctl = async (ns: string, key: string) => (await sb.run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', key])).stdout.trim();

/** Hand edit → plan exits 2 and names it, show reports it → apply repairs it (and verifies the plan is now empty). */
async function driftRepaired(edit: string, shown: RegExp[]): Promise<void> {
  const e = await sb.sh(edit);
  expect(e.exitCode, e.stderr).toBe(0);
  const plan = await sb.topo(['plan', file, '--detailed-exitcode']);
  expect(plan.exitCode, plan.stderr).toBe(2);
  for (const s of shown) expect(plan.stdout).toMatch(s);
  const show = await sb.topo(['show', file, '--json']);
  expect(show.exitCode, show.stderr).toBe(0);
  expect(JSON.parse(show.stdout).drift.length).toBeGreaterThan(0);
  const apply = await sb.topo(['apply', file, '--json']);
  expect(apply.exitCode, apply.stdout).toBe(0);
  expect(JSON.parse(apply.stdout)).toMatchObject({ ok: true, changed: true }); // and verified: nothing left to do
}

describe('drift repair', () => {
  it('show names the drift in text, and says so when in sync', async () => {
    expect((await sb.topo(['show', file])).stdout).toMatch(/in sync with the file/);
    await sb.sh('ip -n a link set a-b mtu 1500');
    const show = await sb.topo(['show', file]);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toMatch(/drift against the file \(1\):\n\s+differs\s+a: veth-end a-b \(mtu: 1500 -> 1400\)/);
  });

  it('an address deleted by hand (and the route the kernel flushed with it) is put back', async () => {
    await driftRepaired('ip -n a addr del 10.0.0.1/24 dev a-b', [/\+ address 10\.0\.0\.1\/24 on a-b/, /\+ route 10\.9\.0\.0\/24 via 10\.0\.0\.2/]);
    expect(await addrs('a', 'a-b')).toEqual(['10.0.0.1/24', 'fd00::1/64']);
    expect(await route('a', '10.9.0.0/24')).toMatchObject({ gateway: '10.0.0.2', dev: 'a-b', protocol: '241' });
    expect(await sb.ping('a', '10.0.0.2')).toBe(true);
  });

  it('a route replaced by hand (another gateway) is put back', async () => {
    await driftRepaired('ip -n b route replace default via 10.0.0.3', [/~ route default via 10\.0\.0\.1 \(via: 10\.0\.0\.3 -> 10\.0\.0\.1/]);
    expect(await route('b', 'default')).toMatchObject({ gateway: '10.0.0.1', dev: 'b-a', protocol: '241' });
  });

  it('a route deleted by hand is put back', async () => {
    await driftRepaired('ip -n a route del 10.9.0.0/24', [/\+ route 10\.9\.0\.0\/24/]);
    expect(await route('a', '10.9.0.0/24')).toMatchObject({ gateway: '10.0.0.2', protocol: '241' });
  });

  it('a route added by hand in a lab namespace is not the lab\'s: apply leaves it alone', async () => {
    await sb.sh('ip -n a route add 10.8.0.0/16 via 10.0.0.2');
    expect((await sb.topo(['plan', file, '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.topo(['apply', file])).exitCode).toBe(0);
    const kept = await route('a', '10.8.0.0/16');
    expect(kept).toMatchObject({ gateway: '10.0.0.2' });
    expect(kept.protocol).not.toBe('241'); // still the hand-made route (ip -json omits protocol boot)
    expect(await route('a', '10.9.0.0/24')).toMatchObject({ gateway: '10.0.0.2', protocol: '241' });
  });

  it('a link set down by hand is set up again (with the routes the kernel dropped)', async () => {
    await driftRepaired('ip -n b link set b-a down', [/~ veth-end b-a \(up: false -> true\)/, /\+ route default via 10\.0\.0\.1/]);
    expect((await link('b', 'b-a')).flags).toContain('UP');
    expect(await route('b', 'default')).toMatchObject({ gateway: '10.0.0.1' });
    expect(await sb.ping('b', '10.0.0.1')).toBe(true);
  });

  it('an edit that takes an interface down keeps its addresses: the IPv6 ones the kernel drops are added again', async () => {
    const down = join(dir, 'down.yaml');
    // (b's default route goes: the kernel refuses a route through an interface that is down, and so does validation)
    writeFileSync(down, LAB.replace('addresses: [10.0.0.2/24, "fd00::2/64"], mtu: 1400', 'addresses: [10.0.0.2/24, "fd00::2/64"], mtu: 1400, up: false')
      .replace('  b:\n    routes:\n      - { to: default, via: 10.0.0.1 }\n', '  b:\n'));
    const plan = await sb.topo(['plan', down]);
    expect(plan.stdout).toMatch(/~ veth-end b-a \(up: true -> false\)[\s\S]*\+ address fd00::2\/64 on b-a/);
    const apply = await sb.topo(['apply', down, '--json']);
    expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0); // verified: the address is there after the link went down
    expect((await link('b', 'b-a')).flags).not.toContain('UP');
    expect(await addrs('b', 'b-a')).toEqual(['10.0.0.2/24', 'fd00::2/64']);
    expect((await sb.topo(['plan', down, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('an MTU changed by hand is put back', async () => {
    await driftRepaired('ip -n a link set a-b mtu 1500', [/~ veth-end a-b \(mtu: 1500 -> 1400\)/]);
    expect((await link('a', 'a-b')).mtu).toBe(1400);
  });

  it('a sysctl changed by hand is set again', async () => {
    await driftRepaired('ip netns exec a sysctl -q -w net.ipv4.ip_forward=0', [/~ sysctl net\.ipv4\.ip_forward \(value: 0 -> 1\)/]);
    expect(await sysctl('a', 'net.ipv4.ip_forward')).toBe('1');
  });
});

// Ownership: topo only changes or deletes what the lab created. A declared name held by something the lab does
// not own is an error naming it (exit 1, nothing created); unowned objects survive apply and destroy; two labs
// side by side never touch each other.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';

const LAB_B = `name: lab-b
namespaces:
  x1: {}
  x2: {}
  host:
    routes:
      - { to: 10.77.0.0/24, via: 10.76.0.2 }
veths:
  - ends:
      - { name: veth1, namespace: x1, addresses: [192.168.1.1/24] }
      - { name: veth2, namespace: x2, addresses: [192.168.1.2/24] }
  - ends:
      - { name: hb, addresses: [10.76.0.1/24] }
      - { name: xb, namespace: x1, addresses: [10.76.0.2/24] }
`;
const HOST_LAB = `name: hostlab
namespaces:
  n1: {}
  host:
    routes:
      - { to: 10.60.0.0/24, via: 10.61.0.2 }
veths:
  - ends:
      - { name: eth9, addresses: [10.61.0.1/24] }
      - { name: n1-up, namespace: n1, addresses: [10.61.0.2/24] }
`;

let dir: string, sb: Sandbox, n = 0;
const labFile = (text: string) => { const f = join(dir, `lab-${n++}.yaml`); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-core-own-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** The kernel's snapshot without the local routes of IPv6 link-local addresses (they appear when DAD ends, any time). */
async function snapshot(): Promise<Record<string, { routes: string[] }>> {
  const s = await sb.snapshot() as Record<string, { routes: string[] }>;
  for (const v of Object.values(s)) v.routes = v.routes.filter((r) => !r.startsWith('local local fe80::'));
  return s;
}
const stateFiles = async () => (await sb.run(['ls', '/run/topo'])).stdout.split('\n').filter(Boolean);

/** An unowned interface with an address and a route through it, in the sandbox's own (host) namespace. */
async function foreignObjects(name: string): Promise<void> {
  const r = await sb.sh(`ip link add ${name} type bridge && ip addr add 10.50.0.1/24 dev ${name} && ip link set ${name} up
    ip route add 10.40.0.0/24 via 10.50.0.2`);
  expect(r.exitCode, r.stderr).toBe(0);
}
const foreignView = async (name: string) => ({
  link: (await sb.ipJson<any[]>('host', 'addr', 'show', 'dev', name)).map((l) => ({ ifname: l.ifname, flags: l.flags, mtu: l.mtu, ifalias: l.ifalias,
    addr: l.addr_info.filter((a: any) => a.scope !== 'link').map((a: any) => `${a.local}/${a.prefixlen}`) })),
  routes: (await sb.ipJson<any[]>('host', 'route', 'show', 'dev', name)),
});

describe('objects the lab does not own', () => {
  it('a pre-existing namespace with a declared name: apply exits 1 naming it, and creates nothing', async () => {
    await sb.run(['ip', 'netns', 'add', 'ns1']);
    const before = await snapshot();
    const r = await sb.topo(['apply', example('two-namespaces.yaml')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ns1/);
    expect(r.stderr).toMatch(/not owned by lab "two-ns"/);
    expect(await sb.netns()).toEqual(['ns1']);
    expect(await snapshot()).toEqual(before);
    expect(await stateFiles()).toEqual([]);
    // plan says the same, and destroy of the lab leaves the namespace alone
    expect((await sb.topo(['plan', example('two-namespaces.yaml')])).exitCode).toBe(1);
    expect((await sb.topo(['destroy', example('two-namespaces.yaml')])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual(['ns1']);
  });

  it('a pre-existing interface with a declared name in the same namespace: exit 1 naming it, nothing created', async () => {
    await foreignObjects('eth9');
    const before = await snapshot();
    const r = await sb.topo(['apply', labFile(HOST_LAB)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/eth9/);
    expect(await snapshot()).toEqual(before);
    expect(await stateFiles()).toEqual([]);
  });

  it('a pre-existing route identical to a declared one: exit 1 naming it, nothing created', async () => {
    await foreignObjects('br9');
    const lab = `name: routelab\nnamespaces:\n  host:\n    routes:\n      - { to: 10.40.0.0/24, via: 10.50.0.2 }\n`;
    const r = await sb.topo(['apply', labFile(lab)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/route 10\.40\.0\.0\/24 via 10\.50\.0\.2 dev br9 in host already exists and is not owned by lab "routelab"/);
    expect(await stateFiles()).toEqual([]);
    expect((await sb.ipJson<any[]>('host', 'route', 'show', '10.40.0.0/24'))).toEqual([{ dst: '10.40.0.0/24', gateway: '10.50.0.2', dev: 'br9', flags: [] }]);
  });

  it('an unowned interface, its address and a route through it survive apply, re-apply and destroy', async () => {
    await foreignObjects('eth0');
    const before = await foreignView('eth0');
    const file = labFile(HOST_LAB);
    expect((await sb.topo(['apply', file])).exitCode).toBe(0);
    expect(await sb.ping('n1', '10.61.0.1')).toBe(true);
    expect(await foreignView('eth0')).toEqual(before);
    expect((await sb.topo(['apply', file])).exitCode).toBe(0);
    const d = await sb.topo(['destroy', file]);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await foreignView('eth0')).toEqual(before);
    expect(await sb.netns()).toEqual([]);
  });
});

describe('two labs side by side', () => {
  it("neither changes nor deletes the other's objects, even with the same interface names", async () => {
    const a = example('two-namespaces.yaml'), b = labFile(LAB_B);
    expect((await sb.topo(['apply', a])).exitCode).toBe(0);
    const labA = async () => Object.fromEntries(Object.entries(await snapshot()).filter(([ns]) => ns === 'ns1' || ns === 'ns2'));
    const aBefore = await labA();
    const rb = await sb.topo(['apply', b]);
    expect(rb.exitCode, rb.stderr).toBe(0);
    expect(await sb.netns()).toEqual(['ns1', 'ns2', 'x1', 'x2']);
    expect(await labA()).toEqual(aBefore);
    expect((await sb.topo(['plan', a, '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.topo(['plan', b, '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.topo(['show', a, '--json'])).stdout).not.toMatch(/x1|x2|hb/);

    const db = await sb.topo(['destroy', b]);
    expect(db.exitCode, db.stderr).toBe(0);
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
    expect(await labA()).toEqual(aBefore);
    expect(await sb.ping('ns1', '192.168.1.2')).toBe(true);
    expect((await sb.ipJson<any[]>('host', 'link', 'show')).map((l) => l.ifname)).toEqual(['lo']);
    expect((await sb.topo(['destroy', a])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
    expect(await stateFiles()).toEqual([]);
  });
});

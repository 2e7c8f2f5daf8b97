// Pruning and edits: an item removed from the file is removed from the kernel, and exactly that; a changed
// address or a renamed interface is applied as an edit; destroy after the file was edited removes everything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';

const VETH_AB2 = `  - ends:
      - { name: ab2, namespace: a, addresses: [10.0.4.1/24] }
      - { name: ba2, namespace: b, addresses: [10.0.4.2/24] }
`;
const NS_C = `  c:
    routes:
      - { to: default, via: 10.0.2.1 }
`;
const VETH_AC = `  - ends:
      - { name: ac, namespace: a, addresses: [10.0.2.1/24] }
      - { name: ca, namespace: c, addresses: [10.0.2.2/24] }
`;
const HOST_ROUTE = `  host:
    routes:
      - { to: 10.0.1.0/24, via: 10.0.9.1 }
`;
const LAB = `name: prune
namespaces:
  a:
    routes:
      - { to: 10.0.3.0/24, via: 10.0.1.2 }
  b:
    routes:
      - { to: default, via: 10.0.1.1 }
${NS_C}${HOST_ROUTE}veths:
  - ends:
      - { name: ab, namespace: a, addresses: [10.0.1.1/24] }
      - { name: ba, namespace: b, addresses: [10.0.1.2/24] }
${VETH_AC}${VETH_AB2}  - ends:
      - { name: a-host, namespace: a, addresses: [10.0.9.1/24] }
      - { name: host-a, addresses: [10.0.9.2/24] }
`;

type Snap = Record<string, { links: { ifname: string }[]; routes: string[] }>;

/** The kernel's snapshot without the local routes of IPv6 link-local addresses (they appear when DAD ends, any time). */
async function snapshot(): Promise<Snap> {
  const s = await sb.snapshot() as Snap;
  for (const v of Object.values(s)) v.routes = v.routes.filter((r) => !r.startsWith('local local fe80::'));
  return s;
}

let dir: string, sb: Sandbox, n = 0;
const labFile = (text: string) => { const f = join(dir, `lab-${n++}.yaml`); writeFileSync(f, text); return f; };
const cut = (text: string, part: string) => { expect(text).toContain(part); return text.replace(part, ''); };

/** The snapshot without the given namespaces, and without interfaces (and routes through them) named per namespace. */
function minus(s: Snap, gone: { ns?: string[]; links?: Record<string, string[]>; routes?: Record<string, RegExp> }): Snap {
  const out: Snap = {};
  for (const [ns, v] of Object.entries(s)) {
    if (gone.ns?.includes(ns)) continue;
    const devs = gone.links?.[ns] ?? [];
    out[ns] = {
      links: v.links.filter((l) => !devs.includes(l.ifname)),
      routes: v.routes.filter((r) => !devs.some((d) => r.includes(` ${d} `)) && !gone.routes?.[ns]?.test(r)),
    };
  }
  return out;
}

let pristine: Record<string, unknown>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'topo-core-prune-'));
  const empty = await Sandbox.create();
  pristine = await empty.snapshot();
  await empty.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  sb = await Sandbox.create();
  const r = await sb.topo(['apply', labFile(LAB)]);
  expect(r.exitCode, r.stderr).toBe(0);
});
afterEach(async () => { await sb.close(); });

async function applyEdited(text: string): Promise<{ before: Snap; after: Snap; stdout: string }> {
  const before = await snapshot();
  const f = labFile(text);
  const r = await sb.topo(['apply', f]);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  const again = await sb.topo(['plan', f, '--detailed-exitcode']);
  expect(again.exitCode, again.stdout).toBe(0);
  return { before, after: await snapshot(), stdout: r.stdout };
}

const addrs = async (ns: string, dev: string) =>
  ((await sb.ipJson<any[]>(ns, 'addr', 'show', 'dev', dev))[0].addr_info as any[]).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
const mainRoutes = async (ns: string) =>
  (await sb.ipJson<any[]>(ns, 'route', 'show')).filter((r) => r.protocol !== 'kernel').map((r) => `${r.dst} via ${r.gateway} dev ${r.dev} proto ${r.protocol}`).sort();

describe('pruning', () => {
  it('a veth pair removed from the file is deleted, and nothing else changes', async () => {
    const { before, after } = await applyEdited(cut(LAB, VETH_AB2));
    expect(after).toEqual(minus(before, { links: { a: ['ab2'], b: ['ba2'] } }));
    expect(after.a.links.map((l) => l.ifname)).not.toContain('ab2');
  });

  it('a namespace removed from the file is deleted with its interfaces, and nothing else changes', async () => {
    const { before, after } = await applyEdited(cut(cut(LAB, NS_C), VETH_AC));
    expect(await sb.netns()).toEqual(['a', 'b']);
    expect(after).toEqual(minus(before, { ns: ['c'], links: { a: ['ac'] } }));
  });

  it('routes removed from the file are deleted (host and lab namespace), and nothing else changes', async () => {
    const edited = cut(cut(LAB, HOST_ROUTE), `    routes:
      - { to: default, via: 10.0.1.1 }
`);
    const { before, after } = await applyEdited(edited);
    expect(after).toEqual(minus(before, { routes: { host: /^main +10\.0\.1\.0\/24 10\.0\.9\.1 host-a 241 /, b: /^main +default 10\.0\.1\.1 ba 241 / } }));
    expect(before.host.routes.filter((r) => r.includes(' 241 '))).toEqual(['main  10.0.1.0/24 10.0.9.1 host-a 241 ']);
    expect(after.host.routes.filter((r) => r.includes(' 241 '))).toEqual([]);
  });
});

describe('edits', () => {
  it('a changed address is replaced on the same interface; routes through it survive; a route using it is updated', async () => {
    const ifindex = (await sb.ipJson<any[]>('a', 'link', 'show', 'dev', 'ab'))[0].ifindex;
    const edited = LAB.replace('{ name: ab, namespace: a, addresses: [10.0.1.1/24] }', '{ name: ab, namespace: a, addresses: [10.0.1.5/24] }')
      .replace('{ to: default, via: 10.0.1.1 }', '{ to: default, via: 10.0.1.5 }');
    const { stdout } = await applyEdited(edited);
    expect(stdout).toMatch(/- address 10\.0\.1\.1\/24 on ab/);
    expect(stdout).toMatch(/\+ address 10\.0\.1\.5\/24 on ab/);
    expect((await sb.ipJson<any[]>('a', 'link', 'show', 'dev', 'ab'))[0].ifindex).toBe(ifindex);
    expect(await addrs('a', 'ab')).toEqual(['10.0.1.5/24']);
    expect(await mainRoutes('a')).toEqual(['10.0.3.0/24 via 10.0.1.2 dev ab proto 241']);
    expect(await mainRoutes('b')).toEqual(['default via 10.0.1.5 dev ba proto 241']);
    expect(await sb.ping('b', '10.0.1.5')).toBe(true);
  });

  it('a renamed interface: the old one is gone, the new one has its address, the route through it is back', async () => {
    const edited = LAB.replace('{ name: ab, namespace: a,', '{ name: ab-new, namespace: a,');
    const { stdout } = await applyEdited(edited);
    expect(stdout).toMatch(/- veth ab@a <-> ba@b/);
    expect(stdout).toMatch(/\+ veth ab-new@a <-> ba@b/);
    const names = (await sb.ipJson<any[]>('a', 'link', 'show')).map((l) => l.ifname);
    expect(names).toContain('ab-new');
    expect(names).not.toContain('ab');
    expect(await addrs('a', 'ab-new')).toEqual(['10.0.1.1/24']);
    expect(await addrs('b', 'ba')).toEqual(['10.0.1.2/24']);
    expect(await mainRoutes('a')).toEqual(['10.0.3.0/24 via 10.0.1.2 dev ab-new proto 241']);
    expect(await mainRoutes('b')).toEqual(['default via 10.0.1.1 dev ba proto 241']);
    expect(await sb.ping('b', '10.0.1.1')).toBe(true);
  });

  it('renaming an end re-creates the pair from the other namespace, reusing the peer\'s name there', async () => {
    // the pair is deleted from a (a-host) and created from the host (host-a): deletions run in a stage of their own
    const edited = LAB.replace('{ name: a-host, namespace: a,', '{ name: a-uplink, namespace: a,');
    await applyEdited(edited);
    expect(await addrs('a', 'a-uplink')).toEqual(['10.0.9.1/24']);
    expect(await addrs('host', 'host-a')).toEqual(['10.0.9.2/24']);
    expect(await mainRoutes('host')).toEqual(['10.0.1.0/24 via 10.0.9.1 dev host-a proto 241']);
    expect(await sb.ping('a', '10.0.9.2')).toBe(true);
  });
});

describe('destroy after the file was edited', () => {
  it('still removes everything the lab created (state record and marks), leaving the kernel as it was', async () => {
    const edited = labFile('name: prune\nnamespaces:\n  b: {}\n');
    const r = await sb.topo(['destroy', edited]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(pristine);
    expect((await sb.run(['ls', '/run/topo'])).stdout.trim()).toBe('');
  });

  it('even edited into an invalid file (unknown keys, wrong types, a namespace that is not the lab\'s)', async () => {
    expect((await sb.run(['ip', 'netns', 'add', 'other'])).exitCode).toBe(0);
    const other = (await sb.snapshot() as Record<string, unknown>).other;
    expect(other).toBeDefined();
    const edited = labFile('name: prune\nnamespaces:\n  b: { mtu: 9000 }\n  other: {}\n  "../x": {}\nveths: 7\n');
    expect((await sb.topo(['validate', edited])).exitCode).toBe(65);
    const r = await sb.topo(['destroy', edited]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sb.netns()).toEqual(['other']);
    expect(await sb.snapshot()).toEqual({ ...pristine, other });
    expect((await sb.topo(['destroy', labFile('namespaces: {}\n')])).exitCode).toBe(65);
  });
});

describe('host sysctls', () => {
  it('are put back to the value they had before the lab when removed from the file, and on destroy', async () => {
    const get = async () => (await sb.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim();
    expect(await get()).toBe('0');
    const withFwd = labFile('name: fwd\nnamespaces:\n  host:\n    sysctls: { net.ipv4.ip_forward: 1 }\n');
    expect((await sb.topo(['apply', withFwd])).exitCode).toBe(0);
    expect(await get()).toBe('1');
    const r = await sb.topo(['apply', labFile('name: fwd\nnamespaces:\n  host: {}\n')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/- sysctl net\.ipv4\.ip_forward/);
    expect(await get()).toBe('0');
    expect((await sb.topo(['apply', withFwd])).exitCode).toBe(0);
    expect(await get()).toBe('1');
    expect((await sb.topo(['destroy', withFwd])).exitCode).toBe(0);
    expect(await get()).toBe('0');
    expect(await sb.netns()).toEqual(['a', 'b', 'c']); // the other lab in the sandbox is untouched
  });
});

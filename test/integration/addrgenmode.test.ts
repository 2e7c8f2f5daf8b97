// addrgenmode against the kernel, in the sandbox: a bridge and veth ends declared `addrgenmode: none` read back as
// such (`ip -d -json link show`, /proc/sys/.../addr_gen_mode) and have no IPv6 link-local address, while IPv4 pings
// across the bridge still work and an end that declares nothing keeps the kernel's default (eui64, a fe80:: address);
// a mode changed by hand is drift (plan shows it, apply puts it back); `plan --format sh` builds the same lab.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { appliedClean, expectNoChanges, shOk } from '../helpers/clean-steps.js';

const LAB = `name: agm
namespaces:
  a: {}
  b: {}
  c: {}
bridges:
  br0: { namespace: b, addresses: [10.9.0.254/24], addrgenmode: none }
veths:
  - ends:
      - { name: a0, namespace: a, addresses: [10.9.0.1/24], addrgenmode: none }
      - { name: pa, namespace: b, bridge: br0, addrgenmode: none }
  - ends:
      - { name: c0, namespace: c, addresses: [10.9.0.3/24] }
      - { name: pc, namespace: b, bridge: br0 }
`;

let dir: string, sb: Sandbox, f: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-addrgenmode-')); f = join(dir, 'agm.yaml'); writeFileSync(f, LAB); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** The interface's mode as `ip -d -json link show` prints it, and its IPv6 link-local addresses. */
async function ipv6Of(ns: string, dev: string): Promise<{ mode: string; linkLocal: string[] }> {
  const [l] = await sb.ipJson<any[]>(ns, '-d', 'link', 'show', 'dev', dev);
  const [a] = await sb.ipJson<any[]>(ns, '-6', 'addr', 'show', 'dev', dev);
  return { mode: l.inet6_addr_gen_mode, linkLocal: (a?.addr_info ?? []).map((x: { local: string }) => x.local).filter((x: string) => x.startsWith('fe80:')) };
}
const procMode = (ns: string, dev: string) => shOk(sb, `ip netns exec ${ns} cat /proc/sys/net/ipv6/conf/${dev}/addr_gen_mode`);

describe('addrgenmode', () => {
  it('none: read back, no link-local address, IPv4 still works; undeclared ends keep the default; drift repaired', async () => {
    await appliedClean(sb, f);
    for (const [ns, dev] of [['a', 'a0'], ['b', 'pa'], ['b', 'br0']]) {
      expect(await ipv6Of(ns, dev), `${ns}/${dev}`).toEqual({ mode: 'none', linkLocal: [] });
      expect((await procMode(ns, dev)).trim()).toBe('1');
    }
    for (const [ns, dev] of [['c', 'c0'], ['b', 'pc']]) {
      const got = await ipv6Of(ns, dev);
      expect(got.mode, `${ns}/${dev}`).toBe('eui64');
      expect(got.linkLocal, `${ns}/${dev}`).toHaveLength(1);
    }
    for (const [ns, to] of [['a', '10.9.0.254'], ['a', '10.9.0.3'], ['c', '10.9.0.1']]) {
      expect(await sb.ping(ns, to, 2), `${ns} -> ${to}`).toBe(true);
    }
    await expectNoChanges(sb, f);

    await shOk(sb, 'ip -n a link set dev a0 addrgenmode eui64; ip -n b link set dev br0 addrgenmode random');
    const plan = await sb.topo(['plan', f, '--detailed-exitcode']);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ veth-end a0 (addrgenmode: eui64 -> none)');
    expect(plan.stdout).toContain('~ bridge br0 (addrgenmode: random -> none)');
    await appliedClean(sb, f);
    expect((await ipv6Of('a', 'a0')).mode).toBe('none');
    expect((await ipv6Of('b', 'br0')).mode).toBe('none');
    await expectNoChanges(sb, f);
  });

  it('plan --format sh sets the modes, and its script builds what apply builds', async () => {
    const sh = await sb.topo(['plan', f, '--format', 'sh']);
    expect(sh.exitCode, sh.stderr).toBe(0);
    expect(sh.stdout).toContain('ip -n a link set dev a0 alias topo:agm addrgenmode none up');
    expect(sh.stdout).toContain('ip -n b link set dev pa addrgenmode none up');
    expect(sh.stdout).toContain('ip -n b link set dev br0 alias topo:agm addrgenmode none');
    const ran = await sb.run(['sh', '-s'], { input: sh.stdout });
    expect(ran.exitCode, ran.stderr).toBe(0);
    await expectNoChanges(sb, f);
    expect(await ipv6Of('a', 'a0')).toEqual({ mode: 'none', linkLocal: [] });
  });
});

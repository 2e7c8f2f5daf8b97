// Bridge options and promisc against the kernel, in the sandbox: the example's bridge read back with
// `ip -json -d link show` (centiseconds, flags as 0/1) and its monitor's PROMISC flag; `topo test` once STP lets the
// ports forward; changed by hand → plan shows it, apply repairs it; removed from the file → back to the kernel's
// defaults; a timer of odd centiseconds converges; vlan_filtering on this kernel (built without it) is refused up front
// where the kernel's configuration is readable, and at apply with the kernel's words (rolled back) where it isn't.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { appliedClean, expectNoChanges } from '../helpers/clean-steps.js';
import { forwarding } from '../helpers/stp.js';

const EXAMPLE = example('bridge-options.yaml');
const OPTIONS = ['stp_state', 'forward_delay', 'hello_time', 'max_age', 'ageing_time', 'mcast_snooping', 'vlan_filtering'];

let dir: string, sb: Sandbox;
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-bridge-options-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** The bridge's options as the kernel prints them (linkinfo.info_data). */
async function options(ns: string, dev: string): Promise<Record<string, number>> {
  const [l] = await sb.ipJson<any[]>(ns, '-d', 'link', 'show', 'dev', dev);
  return Object.fromEntries(OPTIONS.map((k) => [k, l.linkinfo.info_data[k]]));
}
const flags = async (ns: string, dev: string): Promise<string[]> => (await sb.ipJson<any[]>(ns, 'link', 'show', 'dev', dev))[0].flags;
const apply = async (f: string) => { await appliedClean(sb, f); };
const converged = (f: string) => expectNoChanges(sb, f);

describe('bridge options and promisc', () => {
  it('example: read back, tests pass once the ports forward, hand changes repaired, options removed go back to the defaults', async () => {
    await apply(EXAMPLE);
    expect(await options('sw', 'br0')).toEqual({
      stp_state: 1, forward_delay: 400, hello_time: 100, max_age: 600, ageing_time: 6000, mcast_snooping: 0, vlan_filtering: 0 });
    expect(await flags('mon', 'eth0')).toContain('PROMISC');
    for (const [ns, dev] of [['h1', 'eth0'], ['sw', 'p3'], ['sw', 'br0']]) expect(await flags(ns, dev)).not.toContain('PROMISC');
    // STP: the ports listen, then learn, before they forward.
    const ports = JSON.parse((await sb.run(['ip', 'netns', 'exec', 'sw', 'bridge', '-json', 'link', 'show'])).stdout);
    expect(ports.map((p: { state: string }) => p.state)).not.toContain('forwarding');
    await forwarding(sb, 'sw', 'br0');
    const t = await sb.topo(['test', EXAMPLE]);
    expect(t.exitCode, t.stdout + t.stderr).toBe(0);
    // The ports forwarding started an STP topology change (ageing_time reads 2 x forward_delay for a while): no drift.
    await converged(EXAMPLE);

    const hand = await sb.sh('ip -n sw link set dev br0 type bridge stp_state 0 hello_time 200 mcast_snooping 1; ip -n mon link set dev eth0 promisc off; ip -n h1 link set dev eth0 promisc on');
    expect(hand.exitCode, hand.stderr).toBe(0);
    const plan = await sb.topo(['plan', EXAMPLE, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    // STP turned off during the topology change leaves the bridge's fast ageing (2 x forward_delay) in place: real
    // drift, shown and repaired too (whether the change was still on depends on how quickly the test got here).
    expect(plan.stdout).toMatch(/~ bridge br0 \(stp: false -> true, hello_time: 2 -> 1, (ageing_time: 8 -> 60, )?mcast_snooping: true -> false\)/);
    expect(plan.stdout).toContain('~ veth-end eth0 (promisc: false -> true)');
    expect(plan.stdout).toContain('~ veth-end eth0 (promisc: true -> false)');
    await apply(EXAMPLE);
    expect(await options('sw', 'br0')).toMatchObject({ stp_state: 1, hello_time: 100, ageing_time: 6000, mcast_snooping: 0 });
    expect(await flags('mon', 'eth0')).toContain('PROMISC');
    expect(await flags('h1', 'eth0')).not.toContain('PROMISC');
    await converged(EXAMPLE);

    // Options and promisc removed from the file: the bridge goes back to what `link add ... type bridge` gives.
    const plain = readFileSync(EXAMPLE, 'utf8').replace(/^ {8}(stp|forward_delay|hello_time|max_age|ageing_time|mcast_snooping):.*\n/gm, '')
      .replace(', promisc: true', '').replace('br0:\n', 'br0: {}\n');
    const f = file('plain.yaml', plain);
    await apply(f);
    expect(await options('sw', 'br0')).toEqual({
      stp_state: 0, forward_delay: 1500, hello_time: 200, max_age: 2000, ageing_time: 30000, mcast_snooping: 1, vlan_filtering: 0 });
    expect(await flags('mon', 'eth0')).not.toContain('PROMISC');
    await converged(f);
    const destroyed = await sb.topo(['destroy', f]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('a timer of odd centiseconds (read back one lower at HZ=250) converges; so does a bridge in the host', async () => {
    const f = file('odd.yaml', 'name: odd\nbridges:\n  br-odd: { ageing_time: 123.45, forward_delay: 2.01, promisc: true }\n');
    await apply(f);
    expect(await options('host', 'br-odd')).toMatchObject({ ageing_time: 12344, forward_delay: 200 });
    expect(await flags('host', 'br-odd')).toContain('PROMISC');
    await converged(f);
    const again = await sb.topo(['apply', f, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);
    expect((await sb.topo(['destroy', f])).exitCode).toBe(0);
    expect((await sb.ipJson<any[]>('host', 'link', 'show', 'type', 'bridge')).map((l) => l.ifname)).toEqual([]);
  });

  it('vlan_filtering on this kernel: refused at its line where the kernel configuration says so, else by the kernel at apply, rolled back', async () => {
    const f = file('vf.yaml', 'name: vf\nnamespaces:\n  sw:\n    bridges:\n      br0: { stp: true, vlan_filtering: true }\n');
    const before = await sb.snapshot();
    const refused = await sb.topo(['apply', f]);
    expect(refused.exitCode).toBe(65);
    expect(refused.stderr).toContain(`${f}:5:41: error: vlan_filtering: this kernel is built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not set)`);
    expect(await sb.netns()).toEqual([]);

    // The kernel's configuration unreadable (hidden inside the sandbox's own mount namespace): the kernel says no.
    const hide = await sb.sh('for f in /proc/config.gz /boot/config-$(uname -r); do [ -e "$f" ] && mount --bind /dev/null "$f"; done; true');
    expect(hide.exitCode, hide.stderr).toBe(0);
    const failed = await sb.topo(['apply', f]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('error: step "br0" failed: ip -n sw link set dev br0 type bridge vlan_filtering 1: RTNETLINK answers: Operation not supported');
    expect(failed.stderr).toContain('rolled back: the lab is as it was before this apply');
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(before);
  });
});

// VXLAN end to end, inside the sandbox, asserting what the kernel reads back (`ip -json -d link show`, `bridge
// -json fdb show`): the two-hypervisor example built as declared and pinging guest to guest across the tunnel;
// changes made by hand shown by `plan` and repaired by `apply`; the underlay deleted by hand (which takes both
// hypervisors' endpoints) rebuilt; a new VNI making the endpoints again; endpoints removed from the file pruned;
// static flood entries over three hypervisors kept exactly as declared; an endpoint of the same name the lab
// doesn't own reported as a conflict and never touched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { labIdentity } from '../../src/core/lab.js';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { expectOk } from '../helpers/reference.js';

const TWO = example('vxlan.yaml');
const FLOOD = example('vxlan-flood.yaml');
const ZERO = '00:00:00:00:00:00';

interface Link { ifname: string; mtu: number; flags: string[]; master?: string; group?: string; ifalias?: string; linkinfo?: { info_kind: string; info_data: Record<string, unknown> } }

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-vxlan-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** A copy of an example with its text edited, in this test's folder. */
function edited(file: string, name: string, edit: (text: string) => string): string {
  const out = join(dir, name);
  writeFileSync(out, edit(readFileSync(file, 'utf8')));
  return out;
}

describe('vxlan', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  const link = async (ns: string, name: string): Promise<Link | undefined> => {
    const r = await sb.run(['ip', '-n', ns, '-json', '-d', 'link', 'show', 'dev', name]);
    return r.exitCode === 0 ? (JSON.parse(r.stdout) as Link[])[0] : undefined;
  };
  /** The all-zero (flood) entries of an endpoint as `bridge -json fdb show` prints them: "dst[ via dev]". */
  const flood = async (ns: string, dev: string): Promise<string[]> => {
    const r = await sb.run(['bridge', '-n', ns, '-json', 'fdb', 'show', 'dev', dev]);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { mac: string; dst?: string; viaIf?: string }[])
      .filter((e) => e.mac === ZERO && e.dst).map((e) => `${e.dst}${e.viaIf ? ` via ${e.viaIf}` : ''}`).sort();
  };
  const plan = async (file: string) => sb.topo(['plan', file, '--detailed-exitcode']);
  const tested = async (file: string) => {
    const r = await sb.topo(['test', file, '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { results: { from: string; address: string; result: string }[] }).results.map((x) => `${x.from}>${x.address}:${x.result}`);
  };

  it('two hypervisors: built as declared (read back), guests ping across; hand changes are shown and repaired', async () => {
    const applied = await sb.topo(['apply', TWO]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expectOk(applied);

    const group = String(labIdentity('vxlan').group);
    for (const [ns, self, peer, under] of [['hv1', '192.168.0.1', '192.168.0.2', 'u1'], ['hv2', '192.168.0.2', '192.168.0.1', 'u2']]) {
      const vx = (await link(ns, 'vx0'))!;
      expect(vx).toMatchObject({ mtu: 1450, master: 'br0', group, ifalias: 'topo:vxlan', linkinfo: { info_kind: 'vxlan' } });
      expect(vx.flags).toContain('UP');
      expect(vx.linkinfo!.info_data).toMatchObject({ id: 42, remote: peer, local: self, link: under, port: 4789, learning: false });
      // The bridge follows its smallest port: the tunnel's 1450 (the guests' ports are 1450 too).
      expect((await link(ns, 'br0'))!.mtu).toBe(1450);
      expect(await flood(ns, 'vx0')).toEqual([`${peer} via ${under}`]); // the kernel's entry for the remote only
    }
    expect(await tested(TWO)).toEqual(['g1>10.10.0.2:reachable', 'g2>10.10.0.1:reachable']);
    expectOk(await plan(TWO));

    // By hand: another remote, learning on, off the bridge in hv1; down in hv2; a flood entry added in hv2.
    const hand = await sb.sh([
      'ip -n hv1 link set dev vx0 type vxlan remote 192.168.0.9 learning', 'ip -n hv1 link set dev vx0 nomaster',
      'ip -n hv2 link set dev vx0 down', `bridge -n hv2 fdb append ${ZERO} dev vx0 dst 192.168.0.77`,
    ].join('\n'));
    expect(hand.stderr).toBe('');
    expect(await sb.ping('g1', '10.10.0.2')).toBe(false);
    const drift = await plan(TWO);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ vxlan vx0 VNI 42 (remote: 192.168.0.9 -> 192.168.0.2, learning: true -> false, master: none -> br0)');
    expect(drift.stdout).toContain('~ vxlan vx0 VNI 42 (up: false -> true, flood: 192.168.0.77 -> none)');
    expect(drift.stdout).toContain('Plan: 0 to create, 2 to change, 0 to delete.');

    const repaired = await sb.topo(['apply', TWO]);
    expectOk(repaired);
    expect((await link('hv1', 'vx0'))!.linkinfo!.info_data).toMatchObject({ remote: '192.168.0.2', learning: false });
    expect((await link('hv1', 'vx0'))!.master).toBe('br0');
    expect((await link('hv2', 'vx0'))!.flags).toContain('UP');
    expect(await flood('hv2', 'vx0')).toEqual(['192.168.0.1 via u2']);
    expect(await sb.ping('g1', '10.10.0.2')).toBe(true);
    expectOk(await plan(TWO));

    expectOk(await sb.topo(['destroy', TWO]));
    expect(await sb.netns()).toEqual([]);
  });

  it('the underlay deleted by hand takes both endpoints: apply makes them again; a new VNI re-creates them; removed from the file, they go', async () => {
    expectOk(await sb.topo(['apply', TWO]));
    expectOk(await sb.run(['ip', '-n', 'hv1', 'link', 'del', 'u1']));
    expect(await link('hv1', 'vx0')).toBeUndefined();
    expect(await link('hv2', 'vx0')).toBeUndefined(); // the peer u2 went with u1, and vx0 of hv2 with it
    const missing = await plan(TWO);
    expect(missing.exitCode).toBe(2);
    expect(missing.stdout.match(/\+ vxlan vx0 VNI 42/g)).toHaveLength(2);
    expectOk(await sb.topo(['apply', TWO]));
    expect((await link('hv2', 'vx0'))!.linkinfo!.info_data).toMatchObject({ id: 42, link: 'u2' });
    expect(await sb.ping('g2', '10.10.0.1')).toBe(true);
    expectOk(await plan(TWO));

    // VNI 43: the kernel can't change a VNI, so each endpoint is deleted and created again.
    const vni = edited(TWO, 'vni43.yaml', (t) => t.replace(/id: 42/g, 'id: 43'));
    const changed = await sb.topo(['apply', vni]);
    expectOk(changed);
    expect(changed.stdout.match(/- vxlan vx0 VNI 42/g)).toHaveLength(2);
    expect(changed.stdout.match(/\+ vxlan vx0 VNI 43/g)).toHaveLength(2);
    for (const ns of ['hv1', 'hv2']) expect((await link(ns, 'vx0'))!.linkinfo!.info_data).toMatchObject({ id: 43 });
    expect(await sb.ping('g1', '10.10.0.2')).toBe(true);
    expectOk(await plan(vni));

    // Without `vxlans:` the endpoints are pruned; the bridges stay (their MTU is the guests' 1450 still).
    const none = edited(vni, 'no-vxlan.yaml', (t) => t.replace(/ {4}vxlans:\n.*\n/g, '').replace(/tests:[\s\S]*$/, ''));
    const pruned = await sb.topo(['apply', none]);
    expectOk(pruned);
    expect(pruned.stdout.match(/- vxlan vx0 VNI 43/g)).toHaveLength(2);
    expect(await link('hv1', 'vx0')).toBeUndefined();
    expect(await link('hv2', 'vx0')).toBeUndefined();
    expect((await link('hv1', 'br0'))!.mtu).toBe(1450);
    expect(await sb.ping('g1', '10.10.0.2')).toBe(false);
    expectOk(await plan(none));
    expectOk(await sb.topo(['destroy', none]));
    expect(await sb.netns()).toEqual([]);
  });

  it('flood entries over three hypervisors: created, repaired after hand edits, changed with the file', async () => {
    const applied = await sb.topo(['apply', FLOOD]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expectOk(applied);
    expect(await flood('h1', 'vx0')).toEqual(['192.168.0.2', '192.168.0.3']);
    expect(await flood('h2', 'vx0')).toEqual(['192.168.0.1', '192.168.0.3']);
    expect((await link('h3', 'vx0'))!.linkinfo!.info_data).toMatchObject({ id: 100, local: '192.168.0.3', link: 'up3', learning: true });
    expect((await link('h3', 'vx0'))!.linkinfo!.info_data.remote).toBeUndefined();
    expect(await tested(FLOOD)).toEqual(['vm1>10.20.0.2:reachable', 'vm1>10.20.0.3:reachable', 'vm2>10.20.0.3:reachable']);
    expectOk(await plan(FLOOD));

    const hand = await sb.sh([`bridge -n h1 fdb del ${ZERO} dev vx0 dst 192.168.0.3`, `bridge -n h1 fdb append ${ZERO} dev vx0 dst 192.168.0.77`].join('\n'));
    expect(hand.stderr).toBe('');
    const drift = await plan(FLOOD);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ vxlan vx0 VNI 100 (flood: 192.168.0.2, 192.168.0.77 -> 192.168.0.2, 192.168.0.3)');
    expectOk(await sb.topo(['apply', FLOOD]));
    expect(await flood('h1', 'vx0')).toEqual(['192.168.0.2', '192.168.0.3']);
    expectOk(await plan(FLOOD));

    // h1 stops flooding to h3: that entry goes, nothing else changes.
    const two = edited(FLOOD, 'two-flood.yaml', (t) => t.replace('flood: [192.168.0.2, 192.168.0.3]', 'flood: [192.168.0.2]'));
    const changed = await sb.topo(['apply', two]);
    expectOk(changed);
    expect(changed.stdout).toContain('Apply complete: 0 created, 1 changed, 0 deleted');
    expect(await flood('h1', 'vx0')).toEqual(['192.168.0.2']);
    expect(await flood('h3', 'vx0')).toEqual(['192.168.0.1', '192.168.0.2']);
    expectOk(await plan(two));
    expectOk(await sb.topo(['destroy', two]));
    expect(await sb.netns()).toEqual([]);
  });

  it('over IPv6, flood entries only (no local): an IPv6 endpoint (70 bytes of headers), addresses on the tunnel itself', async () => {
    const file = join(dir, 'vx6.yaml');
    writeFileSync(file, `name: vx6
namespaces:
  a: { vxlans: { vx0: { id: 5, dev: ua, flood: ["fd00::2"], addresses: [10.30.0.1/24] } } }
  b: { vxlans: { vx0: { id: 5, dev: ub, flood: ["fd00::1"], addresses: [10.30.0.2/24] } } }
veths:
  - ends: [{ name: ua, namespace: a, addresses: ["fd00::1/64"] }, { name: ub, namespace: b, addresses: ["fd00::2/64"] }]
tests:
  - { from: a, ping: b }
`);
    const applied = await sb.topo(['apply', file]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expectOk(applied);
    const vx = (await link('a', 'vx0'))!;
    expect(vx.mtu).toBe(1430);
    expect(vx.linkinfo!.info_data).toMatchObject({ id: 5, link: 'ua', port: 4789 });
    expect(Object.keys(vx.linkinfo!.info_data).filter((k) => /^(local|remote|group)/.test(k))).toEqual([]); // made with `local ::`
    expect(await flood('a', 'vx0')).toEqual(['fd00::2']);
    expect(await tested(file)).toEqual(['a>fd00::2:reachable', 'a>10.30.0.2:reachable']); // ping: b is each of b's addresses
    expectOk(await plan(file));
    expectOk(await sb.topo(['destroy', file]));
  });

  it('an endpoint of the same name the lab does not own is a conflict: reported, never touched', async () => {
    expectOk(await sb.topo(['apply', TWO]));
    // Someone else's vx0 in hv1 (no group, no alias), where the lab's was.
    expectOk(await sb.sh('ip -n hv1 link del vx0\nip -n hv1 link add vx0 type vxlan id 42 remote 192.168.0.2 dstport 4789 dev u1'));
    const theirs = (await link('hv1', 'vx0'))!;
    const r = await sb.topo(['apply', TWO]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('vx0 VNI 42 in hv1: ');
    expect(r.stderr).toContain('interface vx0 in hv1');
    const after = (await link('hv1', 'vx0'))!;
    expect(after).toEqual(theirs);
    expect(after.ifalias).toBeUndefined();
    // destroy leaves it too: a namespace holding an interface the lab doesn't own is not deleted.
    const d = await sb.topo(['destroy', TWO]);
    expect(d.exitCode).not.toBe(0);
    expect(await link('hv1', 'vx0')).toEqual(theirs);
    expectOk(await sb.run(['ip', '-n', 'hv1', 'link', 'del', 'vx0']));
    expectOk(await sb.topo(['destroy', TWO]));
    expect(await sb.netns()).toEqual([]);
  });
});

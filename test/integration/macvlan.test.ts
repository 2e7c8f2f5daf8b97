// macvlans end to end, inside the sandbox, asserted on what the kernel reads back (ip -json -d): the example's
// two macvlans of one parent in another namespace (mode, group, mark, the parent through link_netnsid), pings
// between them and across the parent's wire but not to the parent; drift (mode changed, link down, a macvlan or
// its parent deleted by hand) shown by plan and repaired; a new parent, passthru and a removal from the file; a
// macvlan of the host's own interface, which the lab never changes; an unowned macvlan of the same name, a conflict
// never touched; a parent that doesn't exist, refused with the step and the command.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';

const EXAMPLE = example('macvlan.yaml');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-macvlan-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example with an edit, written to a file of its own. */
function edited(name: string, f: (doc: any) => void): string {
  const doc = parse(readFileSync(EXAMPLE, 'utf8'));
  f(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

describe('macvlan', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  const link = async (ns: string, dev: string) => (await sb.ipJson<any[]>(ns, '-d', 'link', 'show', 'dev', dev))[0];
  /** The macvlan as the kernel shows it: mode, and its parent named through the nsid its namespace knows it by. */
  async function macvlan(ns: string, dev: string) {
    const l = await link(ns, dev);
    const ids = await sb.ipJson<{ nsid: number; name?: string }[]>(ns, 'netns', 'list-id');
    const parentNs = l.link_netnsid === undefined ? ns : ids.find((x) => x.nsid === l.link_netnsid)?.name ?? 'host';
    const parent = (await sb.ipJson<any[]>(parentNs, 'link', 'show')).find((x) => x.ifindex === l.link_index)?.ifname;
    const addrs = ((await sb.ipJson<any[]>(ns, 'addr', 'show', 'dev', dev))[0].addr_info as any[])
      .filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
    return { kind: l.linkinfo.info_kind, mode: l.linkinfo.info_data.mode, parent: `${parent}@${parentNs}`, up: l.flags.includes('UP'),
      alias: l.ifalias, group: l.group, mtu: l.mtu, addrs };
  }
  const apply = async (file: string) => {
    const r = await sb.topo(['apply', file, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const planExit = async (file: string) => (await sb.topo(['plan', file, '--detailed-exitcode'])).exitCode;

  it('the example: read back from the kernel, pings between the macvlans and across the wire but not to the parent; a no-op again; destroy leaves nothing', async () => {
    const before = await sb.snapshot();
    const applied = await sb.topo(['apply', EXAMPLE]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);
    const red = await macvlan('red', 'mv0');
    expect(red).toEqual({ kind: 'macvlan', mode: 'bridge', parent: 'uplink@switch', up: true, alias: 'topo:macvlan',
      group: (await link('switch', 'uplink')).group, mtu: 1500, addrs: ['10.1.0.11/24'] });
    expect(await macvlan('blue', 'mv0')).toMatchObject({ mode: 'bridge', parent: 'uplink@switch', up: true, addrs: ['10.1.0.12/24'] });
    // Each has a MAC of its own, and the parent keeps its own.
    const macs = [(await link('red', 'mv0')).address, (await link('blue', 'mv0')).address, (await link('switch', 'uplink')).address];
    expect(new Set(macs).size).toBe(3);

    const tested = await sb.topo(['test', EXAMPLE, '--json']);
    expect(tested.exitCode, tested.stdout).toBe(0);
    expect(JSON.parse(tested.stdout).results.map((r: { from: string; address: string; result: string }) => `${r.from}>${r.address}:${r.result}`)).toEqual([
      'red>10.1.0.12:reachable', 'blue>10.1.0.11:reachable', 'red>10.1.0.254:reachable', 'far>10.1.0.12:reachable',
      'red>10.1.0.1:unreachable', 'switch>10.1.0.12:unreachable',
    ]);

    expect((await apply(EXAMPLE)).changed).toBe(false);
    expect(await planExit(EXAMPLE)).toBe(0);
    const shown = await sb.topo(['show', EXAMPLE]);
    expect(shown.stdout).toMatch(/macvlan +mv0 on uplink@switch mode bridge up mtu 1500/);

    expect((await sb.topo(['destroy', EXAMPLE])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(before);
  });

  it('drift: a mode changed and a macvlan down by hand, a macvlan deleted, its parent deleted: plan shows it, apply repairs it', async () => {
    await apply(EXAMPLE);
    const hand = await sb.sh('ip -n red link set dev mv0 type macvlan mode private\nip -n blue link set dev mv0 down');
    expect(hand.stderr).toBe('');
    const plan = await sb.topo(['plan', EXAMPLE, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ macvlan mv0');
    expect(plan.stdout).toContain('mode: private -> bridge');
    expect(plan.stdout).toContain('up: false -> true');
    expect(plan.stdout).toContain('Plan: 0 to create, 2 to change, 0 to delete.');
    expect((await apply(EXAMPLE)).changed).toBe(true);
    expect(await macvlan('red', 'mv0')).toMatchObject({ mode: 'bridge', up: true });
    expect(await macvlan('blue', 'mv0')).toMatchObject({ mode: 'bridge', up: true });
    expect(await planExit(EXAMPLE)).toBe(0);

    // Deleted by hand: made again, with its address.
    expect((await sb.sh('ip -n red link del dev mv0')).exitCode).toBe(0);
    expect(await planExit(EXAMPLE)).toBe(2);
    await apply(EXAMPLE);
    expect(await macvlan('red', 'mv0')).toMatchObject({ parent: 'uplink@switch', addrs: ['10.1.0.11/24'] });

    // The parent deleted by hand (with its peer): both macvlans went with it; all of it is made again.
    expect((await sb.sh('ip -n switch link del dev uplink')).exitCode).toBe(0);
    expect((await sb.ipJson<any[]>('red', 'link', 'show')).map((l) => l.ifname)).toEqual(['lo']);
    const gone = await sb.topo(['plan', EXAMPLE]);
    expect(gone.stdout).toContain('+ veth eth0@far <-> uplink@switch');
    expect(gone.stdout.match(/\+ macvlan mv0/g)).toHaveLength(2);
    await apply(EXAMPLE);
    expect(await macvlan('blue', 'mv0')).toMatchObject({ parent: 'uplink@switch', up: true, addrs: ['10.1.0.12/24'] });
    expect((await sb.topo(['test', EXAMPLE])).exitCode).toBe(0);
    expect(await planExit(EXAMPLE)).toBe(0);
  });

  it('edits: a new parent, passthru, a renamed parent, a macvlan removed from the file', async () => {
    await apply(EXAMPLE);
    // red's macvlan moves to the far end of the wire (eth0 in far), blue's becomes its parent's passthru one.
    const moved = edited('moved', (d) => {
      d.namespaces.red.macvlans.mv0.parent = { name: 'eth0', namespace: 'far' };
      d.namespaces.blue.macvlans.mv0.mode = 'passthru';
      // Over the wire both ways; the switch's own address is deaf now (passthru takes every frame of uplink).
      d.tests = [{ from: 'red', ping: 'blue' }, { from: 'blue', ping: 'far' }, { from: 'red', ping: '10.1.0.1', expect: 'unreachable' }];
    });
    const plan = await sb.topo(['plan', moved]);
    expect(plan.stdout).toContain('Plan: 4 to create, 0 to change, 2 to delete.'); // two macvlans and their addresses
    await apply(moved);
    expect(await macvlan('red', 'mv0')).toMatchObject({ mode: 'bridge', parent: 'eth0@far', addrs: ['10.1.0.11/24'] });
    expect(await macvlan('blue', 'mv0')).toMatchObject({ mode: 'passthru', parent: 'uplink@switch', addrs: ['10.1.0.12/24'] });
    expect((await link('blue', 'mv0')).address).toBe((await link('switch', 'uplink')).address); // passthru: the parent's MAC
    const tested = await sb.topo(['test', moved, '--json']);
    expect(JSON.parse(tested.stdout).results.map((r: { from: string; address: string; result: string }) => `${r.from}>${r.address}:${r.result}`)).toEqual([
      'red>10.1.0.12:reachable', 'blue>10.1.0.254:reachable', 'red>10.1.0.1:unreachable']);
    expect(tested.exitCode).toBe(0);
    expect(await planExit(moved)).toBe(0);

    // The parent renamed: its veth is made again, and the macvlans with it (deleted first, then made on the new one).
    const renamed = edited('renamed', (d) => {
      d.veths[0].ends[1].name = 'up1';
      d.namespaces.red.macvlans.mv0.parent = { name: 'up1', namespace: 'switch' };
      d.namespaces.blue.macvlans.mv0.parent = { name: 'up1', namespace: 'switch' };
    });
    await apply(renamed);
    expect(await macvlan('red', 'mv0')).toMatchObject({ mode: 'bridge', parent: 'up1@switch' });
    expect(await macvlan('blue', 'mv0')).toMatchObject({ mode: 'bridge', parent: 'up1@switch' });
    expect((await sb.topo(['test', renamed])).exitCode).toBe(0);

    // Removed from the file: deleted, the other one and the parent untouched; the record forgets it.
    const fewer = edited('fewer', (d) => {
      d.veths[0].ends[1].name = 'up1';
      d.namespaces.red.macvlans.mv0.parent = { name: 'up1', namespace: 'switch' };
      delete d.namespaces.blue.macvlans;
      d.tests = [{ from: 'red', ping: 'far' }];
    });
    const removed = await sb.topo(['apply', fewer]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('- macvlan mv0');
    expect((await sb.ipJson<any[]>('blue', 'link', 'show')).map((l) => l.ifname)).toEqual(['lo']);
    expect(await macvlan('red', 'mv0')).toMatchObject({ parent: 'up1@switch', up: true });
    const record = JSON.parse((await sb.run(['cat', '/run/topo/macvlan.json'])).stdout);
    expect(record.links).toEqual(['far/eth0', 'red/mv0', 'switch/up1']);
    expect((await sb.topo(['destroy', fewer])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('a macvlan of one of the host\'s own interfaces: the lab never changes it; a missing one is refused with the step and the command', async () => {
    const setup = await sb.sh('ip link add hostnic type veth peer name hostnic-peer\nip link set hostnic up\nip link set hostnic-peer up\nip addr add 10.7.0.1/24 dev hostnic-peer');
    expect(setup.stderr).toBe('');
    const parentBefore = await link('host', 'hostnic');
    const file = join(dir, 'host-parent.yaml');
    writeFileSync(file, `name: mvhost
namespaces:
  c:
    macvlans:
      mv0: { parent: { name: hostnic, namespace: host }, mode: private, mtu: 1400, mac: "02:00:00:00:07:02", addresses: [10.7.0.2/24] }
`);
    await apply(file);
    expect(await macvlan('c', 'mv0')).toMatchObject({ mode: 'private', parent: 'hostnic@host', mtu: 1400, up: true, addrs: ['10.7.0.2/24'] });
    expect((await link('c', 'mv0')).address).toBe('02:00:00:00:07:02');
    // Through the host's interface to what is on its wire (its peer in the host), both ways.
    expect(await sb.ping('c', '10.7.0.1')).toBe(true);
    expect((await sb.run(['ping', '-n', '-q', '-c', '1', '-W', '1', '10.7.0.2'])).exitCode).toBe(0);
    expect(await planExit(file)).toBe(0);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
    const parentAfter = await link('host', 'hostnic');
    for (const k of ['ifname', 'flags', 'mtu', 'address', 'group', 'ifalias', 'operstate']) expect(parentAfter[k], k).toEqual(parentBefore[k]);

    // A host parent that doesn't exist: the kernel's words, with the step and the command; nothing left.
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: hostnic', 'name: nosuch'));
    const failed = await sb.topo(['apply', file]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/step "mv0" failed: ip link add link nosuch name mv0 netns c .*type macvlan mode private: Cannot find device "nosuch"/);
    expect(failed.stderr).toContain('rolled back');
    expect(await sb.netns()).toEqual([]);
  });

  it('an unowned macvlan with the declared name is a conflict, never touched', async () => {
    await apply(EXAMPLE);
    const hand = await sb.sh([
      'ip -n blue link del dev mv0', 'ip -n blue link add stray type veth peer name stray-peer',
      'ip -n blue link add link stray name mv0 type macvlan mode vepa',
    ].join('\n'));
    expect(hand.stderr).toBe('');
    const theirs = await link('blue', 'mv0');
    const r = await sb.topo(['apply', EXAMPLE]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('refusing to touch objects this lab does not own:\n  mv0 in blue: interface mv0 in blue');
    const after = await link('blue', 'mv0');
    expect([after.ifindex, after.linkinfo.info_data.mode, after.ifalias, after.group]).toEqual([theirs.ifindex, 'vepa', undefined, theirs.group]);
    // Nor is it taken along by destroy: the lab refuses to delete a namespace that holds it.
    const d = await sb.topo(['destroy', EXAMPLE]);
    expect(d.exitCode).not.toBe(0);
    expect(d.stderr).toContain('interface mv0 (macvlan) in blue is not owned by lab "macvlan"');
    expect((await link('blue', 'mv0')).ifindex).toBe(theirs.ifindex);
  });
});

// Static neighbours against the kernel, in the sandbox: the example's entries read back (`ip -json neigh show`,
// PERMANENT with protocol 241) and doing their job (the servers ignore ARP: only the static entry reaches server1);
// changed or deleted by hand → plan shows it, apply repairs it; plans that make the kernel flush them (the
// interface's MAC changed, its last IPv4 address replaced, the interface taken down) add them again in the same
// apply; removed from the file → pruned, while entries the lab doesn't own are left alone; in the host, an entry
// someone else made at a declared place is a conflict and never touched; destroy leaves nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { appliedClean, expectNoChanges, shOk } from '../helpers/clean-steps.js';

const EXAMPLE = example('neighbours.yaml');
const TEXT = readFileSync(EXAMPLE, 'utf8');
const MAC = '02:00:00:30:00:02';
const V4 = { dst: '10.30.0.2', dev: 'eth0', lladdr: MAC, state: ['PERMANENT'], protocol: '241' };
const V6 = { ...V4, dst: 'fd00:30::2' };

let dir: string, sb: Sandbox;
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-neighbours-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** The permanent entries of a namespace, sorted (dynamic ones, learned by ARP/ND, are not the point). */
const permanent = async (ns: string) => (await sb.ipJson<any[]>(ns, 'neigh', 'show', 'nud', 'permanent'))
  .sort((a, b) => `${a.dev}/${a.dst}`.localeCompare(`${b.dev}/${b.dst}`));
const apply = async (f: string) => (await appliedClean(sb, f)).stdout;
const converged = (f: string) => expectNoChanges(sb, f);
const sh = async (script: string) => { await shOk(sb, script); };

describe('static neighbours', () => {
  it('example: the entries read back and do their job; hand changes are drift, repaired; re-apply is a no-op', async () => {
    await apply(EXAMPLE);
    expect(await sb.ipJson<any[]>('client', 'neigh', 'show', 'proto', '241')).toEqual(expect.arrayContaining([V4, V6]));
    expect(await permanent('client')).toEqual([V4, V6]);
    const t = await sb.topo(['test', EXAMPLE]);
    expect(t.exitCode, t.stdout + t.stderr).toBe(0);
    await converged(EXAMPLE);

    // Without its entry server1 is out of reach (it answers no ARP): the entry is what makes the ping work.
    await sh('ip -n client neigh del 10.30.0.2 dev eth0; ip -n client neigh replace fd00:30::2 lladdr 02:00:00:30:00:99 dev eth0 nud permanent');
    expect(await sb.ping('client', '10.30.0.2')).toBe(false);
    const plan = await sb.topo(['plan', EXAMPLE, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+ neighbour 10.30.0.2 on eth0');
    expect(plan.stdout).toMatch(/~ neighbour fd00:30::2 on eth0 \(lladdr: 02:00:00:30:00:99 -> 02:00:00:30:00:02(, proto: none -> 241)?\)/);
    await apply(EXAMPLE);
    expect(await permanent('client')).toEqual([V4, V6]);
    expect(await sb.ping('client', '10.30.0.2')).toBe(true);
    await converged(EXAMPLE);
    const again = await sb.topo(['apply', EXAMPLE, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);
  });

  it('a plan that makes the kernel flush them adds them again: new MAC, last IPv4 address replaced, interface down and up', async () => {
    await apply(EXAMPLE);
    const end = (o: { addr?: string; more?: string }) => (t: string) =>
      t.replace('addresses: [10.30.0.1/24, "fd00:30::1/64"] }', `addresses: [${o.addr ?? '10.30.0.1/24'}, "fd00:30::1/64"], mac: "02:00:00:30:00:01"${o.more ?? ''} }`);
    // Each step: the file, and the entries the plan adds again (the kernel flushes them as it runs).
    const steps: [string, string, string[]][] = [
      ['mac', end({})(TEXT), ['10.30.0.2', 'fd00:30::2']],
      ['last IPv4 address replaced', end({ addr: '10.30.0.11/24' })(TEXT), ['10.30.0.2']],
      ['and back', end({})(TEXT), ['10.30.0.2']],
    ];
    const run = async (name: string, text: string, again: string[], ns: string, want: unknown[]) => {
      const f = file(`${name.replace(/\W+/g, '-')}.yaml`, text);
      const out = await apply(f);
      expect(out.split('\n').filter((l) => l.includes('+ neighbour')).map((l) => l.trim()), name)
        .toEqual(again.map((a) => `+ neighbour ${a} on ${(want[0] as { dev: string }).dev}`));
      expect(await permanent(ns), name).toEqual(want);
      await converged(f);
    };
    for (const [name, text, again] of steps) await run(name, text, again, 'client', [V4, V6]);
    expect(await sb.ping('client', '10.30.0.2')).toBe(true);

    // Down and up again, on an interface without global IPv6 addresses (the kernel drops those when it goes down,
    // which the address kind does not foresee yet), with a link-local IPv6 neighbour.
    const small = (up: string) => `name: down-up
namespaces:
  a:
    neighbours:
      - { address: 10.50.0.2, lladdr: "02:00:00:50:00:02", dev: e0 }
      - { address: "FE80::2", lladdr: "02:00:00:50:00:02", dev: e0 }
  b: {}
veths:
  - ends:
      - { name: e0, namespace: a, addresses: [10.50.0.1/24]${up} }
      - { name: e1, namespace: b, addresses: [10.50.0.2/24], mac: "02:00:00:50:00:02" }
`;
    const entry = (dst: string) => ({ dst, dev: 'e0', lladdr: '02:00:00:50:00:02', state: ['PERMANENT'], protocol: '241' });
    await run('small', small(''), ['10.50.0.2', 'fe80::2'], 'a', [entry('10.50.0.2'), entry('fe80::2')]);
    await run('down', small(', up: false'), ['10.50.0.2', 'fe80::2'], 'a', [entry('10.50.0.2'), entry('fe80::2')]);
    await run('up', small(''), [], 'a', [entry('10.50.0.2'), entry('fe80::2')]);
    expect(await sb.ping('a', '10.50.0.2')).toBe(true);
  });

  it('removed from the file: the lab\'s entries are pruned, entries it does not own are left alone', async () => {
    await apply(EXAMPLE);
    // Made by hand in a lab namespace: a permanent entry without the lab's protocol, and one with another protocol.
    await sh('ip -n client neigh add 10.30.0.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent; ip -n client neigh add 10.30.0.78 lladdr 02:00:00:00:00:78 dev eth0 nud permanent protocol 242');
    await converged(EXAMPLE);
    const f = file('fewer.yaml', TEXT.replace(/^ {6}- \{ address: "fd00:30::2".*\n/m, ''));
    const out = await apply(f);
    expect(out).toContain('- neighbour fd00:30::2 on eth0');
    expect((await permanent('client')).map((e) => [e.dst, e.protocol])).toEqual([['10.30.0.2', '241'], ['10.30.0.77', undefined], ['10.30.0.78', '242']]);
    await converged(f);
    const destroyed = await sb.topo(['destroy', f]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('in the host: the lab\'s entry on its own interface; someone else\'s entry at a declared place is a conflict, never touched', async () => {
    const lab = (neighbours: string) => `name: host-neigh
namespaces:
  far: {}
${neighbours}
veths:
  - ends:
      - { name: h0, addresses: [10.40.0.1/24] }
      - { name: eth0, namespace: far, addresses: [10.40.0.2/24], mac: "02:00:00:40:00:02" }
`;
    const mine = file('host.yaml', lab('  host:\n    neighbours:\n      - { address: 10.40.0.2, lladdr: "02:00:00:40:00:02", dev: h0 }'));
    await apply(mine);
    expect(await permanent('host')).toEqual([{ dst: '10.40.0.2', dev: 'h0', lladdr: '02:00:00:40:00:02', state: ['PERMANENT'], protocol: '241' }]);
    expect(await sb.ping('far', '10.40.0.1')).toBe(true);
    await converged(mine);
    // Out of the file: pruned from the host (its interface stays).
    const bare = file('bare.yaml', lab(''));
    await apply(bare);
    expect(await permanent('host')).toEqual([]);

    // Someone adds their own entry on h0 at the address the file is about to declare.
    await sh('ip neigh add 10.40.0.2 lladdr 02:00:00:00:00:99 dev h0 nud permanent');
    const theirs = await permanent('host');
    const r = await sb.topo(['apply', mine]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('10.40.0.2 on h0 in host: neighbour 10.40.0.2 lladdr 02:00:00:00:00:99 on h0 in host already exists and is not owned by lab "host-neigh"');
    expect(await permanent('host')).toEqual(theirs);
    // Pruning doesn't take it either; destroy leaves it where it was until its interface (the lab's) goes.
    await converged(bare);
    const destroyed = await sb.topo(['destroy', bare]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await permanent('host')).toEqual([]);
    expect(await sb.netns()).toEqual([]);
  });
});

// The kernel facts behind kinds/sysctl-names.ts, checked in a sandbox: the names it lists as one setting read
// back what the other was written, and IPv6 forwarding has no second name (writing it changes only the
// per-interface and default `forwarding` settings, which are settings of their own). A file that sets those apart
// from `all` converges: they are written again after `all` is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAME_SETTING } from '../../src/kinds/sysctl-names.js';
import { Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const read = async (k: string) => (await sb.run(['sysctl', '-n', k])).stdout.trim();
const write = async (k: string, v: string) => expect((await sb.run(['sysctl', '-q', '-w', `${k}=${v}`])).exitCode).toBe(0);

/** Every net.* sysctl of the sandbox's namespace, "key = value". */
async function all(): Promise<Map<string, string>> {
  const out = (await sb.run(['sysctl', '-a', '-r', '^net\\.'])).stdout;
  return new Map(out.split('\n').filter(Boolean).map((l) => l.split(' = ') as [string, string]));
}

describe('sysctl names of one kernel setting', () => {
  it.each(SAME_SETTING.map((g) => [g.join(' = '), g]))('%s: writing either name changes what the other reads', async (_, names) => {
    for (const [i, v] of [[0, '1'], [1, '0'], [0, '0'], [1, '1']] as const) {
      await write(names[i], v);
      for (const n of names) expect(await read(n), `${n} after ${names[i]}=${v}`).toBe(v);
    }
  });

  it('net.ipv6.conf.all.forwarding has no second name: writing it changes only conf.*.forwarding', async () => {
    await sb.sh('ip link add v0 type veth peer name v1');
    const before = await all();
    await write('net.ipv6.conf.all.forwarding', '1');
    const after = await all();
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k).sort();
    expect(changed).toEqual(['net.ipv6.conf.all.forwarding', 'net.ipv6.conf.default.forwarding', 'net.ipv6.conf.lo.forwarding',
      'net.ipv6.conf.v0.forwarding', 'net.ipv6.conf.v1.forwarding']);
  });
});

describe('forwarding set apart from `all`', () => {
  // conf.default and the interface come first in the file: written before `all`, which then overwrites them.
  const LAB = `name: fanout
namespaces:
  r:
    sysctls:
      net.ipv6.conf.default.forwarding: 0
      net.ipv4.conf.r-x.forwarding: 0
      net.ipv6.conf.all.forwarding: 1
      net.ipv4.ip_forward: 1
veths:
  - ends:
      - { name: r-x, namespace: r }
      - { name: x-r }
`;
  const inR = async (k: string) => (await sb.run(['ip', 'netns', 'exec', 'r', 'sysctl', '-n', k])).stdout.trim();
  const values = async () => Promise.all(['net.ipv6.conf.all.forwarding', 'net.ipv6.conf.default.forwarding',
    'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.r-x.forwarding'].map(inR));

  it('applies and verifies, and a hand change of `all` is repaired without undoing the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topo-fanout-'));
    try {
      const file = join(dir, 'fanout.yaml');
      writeFileSync(file, LAB);
      const first = await sb.topo(['apply', file]);
      expect(first.exitCode, first.stdout + first.stderr).toBe(0);
      expect(await values()).toEqual(['1', '0', '1', '0']);
      const hand = await sb.run(['ip', 'netns', 'exec', 'r', 'sh', '-c',
        'sysctl -q -w net.ipv6.conf.all.forwarding=0 net.ipv4.ip_forward=0 net.ipv4.conf.r-x.forwarding=1']);
      expect(hand.exitCode, hand.stderr).toBe(0);
      const repair = await sb.topo(['apply', file]);
      expect(repair.exitCode, repair.stdout + repair.stderr).toBe(0);
      expect(await values()).toEqual(['1', '0', '1', '0']);
      expect((await sb.topo(['plan', file, '--detailed-exitcode'])).exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


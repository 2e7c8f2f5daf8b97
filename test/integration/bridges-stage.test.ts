// A new bridge is created down and brought up in the bridges stage, after the namespaces of its ports are
// configured (core/order.ts); the config of the bridge's own namespace follows it there, so routes that need the
// bridge up (through it, or via a gateway on its subnet) are added once it is. Checked against the kernel: the
// routes land, traffic crosses the bridges, and a failure of the bridge-up itself (--no-rollback) leaves the
// other namespaces configured and the bridge still down: they ran first. Each namespace's last batch (the host's
// too) prints its state for verification, which then reads nothing again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';

const LAB = `name: late-br
namespaces:
  a: { routes: [{ to: default, via: 10.9.0.1 }] }
  b: { routes: [{ to: default, via: 10.9.0.1 }] }
  sw:
    routes:
      - { to: 10.7.0.0/24, dev: brs }
      - { to: 10.6.0.0/24, via: 10.8.0.2 }
  c: { routes: [{ to: default, via: 10.8.0.1 }] }
  host:
    routes:
      - { to: 10.5.0.0/24, via: 10.9.0.2 }
bridges:
  br0: { addresses: [10.9.0.1/24] }
  brs: { namespace: sw, addresses: [10.8.0.1/24] }
veths:
  - ends: [{ name: a0, namespace: a, addresses: [10.9.0.2/24] }, { name: ha, bridge: br0 }]
  - ends: [{ name: b0, namespace: b, addresses: [10.9.0.3/24] }, { name: hb, bridge: br0 }]
  - ends: [{ name: c0, namespace: c, addresses: [10.8.0.2/24] }, { name: sc, namespace: sw, bridge: brs }]
`;

describe('new bridges go up after the namespaces of their ports are configured', () => {
  let sb: Sandbox;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    dir = mkdtempSync(join(tmpdir(), 'topo-bridges-'));
    file = join(dir, 'lab.yaml');
    writeFileSync(file, LAB);
  });
  afterAll(async () => {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const flags = async (ns: string, dev: string) => (await sb.ipJson<{ flags: string[] }[]>(ns, 'link', 'show', 'dev', dev))[0].flags;
  const routes = async (ns: string) => (await sb.ipJson<{ dst: string; dev: string; gateway?: string; protocol?: string }[]>(ns, 'route', 'show'))
    .filter((r) => r.protocol === '241').map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`);

  it('a failing bridge-up stops after every other namespace is configured, with the bridge still down', async () => {
    const r = await sb.topo(['apply', file, '--no-rollback'], { TOPO_FAIL_COMMAND: 'link set dev br0 up' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/link set dev br0 up/);
    expect(await flags('host', 'br0')).not.toContain('UP');
    for (const [ns, dev, addr] of [['a', 'a0', '10.9.0.2'], ['b', 'b0', '10.9.0.3'], ['c', 'c0', '10.8.0.2']]) {
      const l = (await sb.ipJson<{ flags: string[]; addr_info: { local: string }[] }[]>(ns, 'addr', 'show', 'dev', dev))[0];
      expect(l.flags).toContain('UP');
      expect(l.addr_info.map((x) => x.local)).toContain(addr);
    }
    // The host's own config waits for its bridge: not added yet.
    expect(await routes('host')).toEqual([]);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
  });

  it('apply: bridges up, routes through them in place, traffic crosses them; re-apply has nothing to do', async () => {
    const trace = join(dir, 'trace');
    const r = await sb.topo(['apply', file], { TOPO_TRACE_FILE: trace });
    // Warnings only: its routes via a, c and sw test ordering, not forwarding, so validation notes they don't forward.
    expect(withoutProgress(r.stderr).split('\n').filter((l) => l && !/: warning: gateway .* does not forward|^  hint: /.test(l))).toEqual([]);
    expect(r.exitCode).toBe(0);
    const argv = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    if (process.env.TOPO_ENGINE === 'ip') {
      // Every namespace, the host too, was read back by its own last batch: verification only lists the namespaces.
      expect(argv.at(-1)).toEqual(['ip', '-json', 'netns', 'list']);
      expect(argv.filter((a) => a.includes('-batch')).slice(-5).every((a) => a.includes('-json'))).toBe(true);
    } else {
      // The netlink engine changed and read every namespace in-process: no `ip` process but the namespaces' creation.
      expect(argv.filter((a) => a[0] === 'ip').map((a) => a.join(' '))).toEqual(['ip -batch -']);
    }
    expect(await flags('host', 'br0')).toContain('UP');
    expect(await flags('sw', 'brs')).toContain('UP');
    expect(await routes('host')).toEqual(['10.5.0.0/24 via 10.9.0.2 dev br0']);
    expect((await routes('sw')).sort()).toEqual(['10.6.0.0/24 via 10.8.0.2 dev brs', '10.7.0.0/24 dev brs']);
    expect((await sb.run(['ip', 'netns', 'exec', 'a', 'ping', '-c1', '-W2', '10.9.0.3'])).exitCode).toBe(0);
    expect((await sb.run(['ip', 'netns', 'exec', 'c', 'ping', '-c1', '-W2', '10.8.0.1'])).exitCode).toBe(0);
    expect((await sb.topo(['apply', file])).stdout).toMatch(/No changes/);
    expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

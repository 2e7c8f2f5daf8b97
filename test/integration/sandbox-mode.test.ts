// `topo sandbox FILE [-- CMD]`: the lab applied in a sandbox of its own, its tests run, CMD's exit status passed
// through, and nothing left behind, also when topo is killed with SIGKILL. topo sandbox makes its own namespaces;
// here it runs inside the test's Sandbox (namespaces nest), whose state before and after is compared, so even a
// bug in it could not reach the machine.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';
import { holders, leftAfterKill } from '../helpers/ns-holders.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** Everything of the outer sandbox that topo sandbox could leave behind if it leaked. */
async function outerState() {
  const sh = await sb.sh('ls -A /run/netns; echo --; ls -A /run/topo; echo --; ls -A /etc/netns 2>/dev/null || true; echo --; nft list ruleset');
  return { kernel: await sb.snapshot(), files: sh.stdout };
}

const FAILING = `name: sbx-fail
namespaces:
  a: {}
  b: {}
veths:
  - ends:
      - { name: a-b, namespace: a, addresses: [10.9.0.1/24] }
      - { name: b-a, namespace: b, addresses: [10.9.0.2/24] }
tests:
  - { from: a, ping: 10.9.0.2 }
  - { from: a, ping: 10.9.0.2, expect: unreachable }   # fails: it is reachable
`;

describe('topo sandbox', () => {
  it('applies the lab inside, runs its tests, runs CMD with its exit status, and leaves the outer namespace as it was', async () => {
    const before = await outerState();
    const r = await sb.topo(['sandbox', example('router-portforward.yaml'), '--', 'sh', '-c',
      'ip -json netns list; topo show --json "$0" >/dev/null && echo shown; exit 7', example('router-portforward.yaml')]);
    expect(r.exitCode, r.stderr).toBe(7);
    const [netns, shown] = r.stdout.split('\n');
    expect(JSON.parse(netns!).map((n: { name: string }) => n.name).sort()).toEqual(['client', 'router', 'server', 'web']);
    expect(shown).toBe('shown'); // `topo` is on the sandbox's PATH and sees the lab
    expect(r.stderr).toContain('All 4 test(s) hold');
    expect(await outerState()).toEqual(before);
    expect(await sb.netns()).toEqual([]);
  });

  it('without CMD: an interactive shell ($SHELL, or sh when it is empty) whose prompt names the lab, where topo and ip netns work; its exit code is topo\'s', async () => {
    const f = example('two-namespaces.yaml');
    const input = `echo "in $TOPO_SANDBOX"; topo exec ${f} ns1 -- ip -json addr show dev veth1; ip netns exec ns2 ping -c1 -W1 192.168.1.1 >/dev/null && echo pinged; exit 3\n`;
    for (const shell of ['/bin/bash', '/bin/sh', '']) {
      const r = await sb.run([process.execPath, TOPO, 'sandbox', '-q', f], { input, env: { SHELL: shell } });
      expect(r.exitCode, `${shell}: ${r.stderr}`).toBe(3);
      expect(r.stderr, shell).toContain('(sandbox two-ns) ');
      const [tag, addr, pinged] = r.stdout.split('\n');
      expect(tag).toBe('in two-ns');
      expect(JSON.parse(addr!)[0].addr_info.map((a: { local: string }) => a.local)).toContain('192.168.1.1');
      expect(pinged).toBe('pinged');
    }
    expect(await sb.netns()).toEqual([]);
  });

  it("a lab's /etc/netns files are written in the sandbox's /etc, never in the outer one", async () => {
    const before = await outerState();
    const r = await sb.topo(['sandbox', '-q', example('hosts-by-name.yaml'), '--', 'ip', 'netns', 'exec', 'client', 'getent', 'hosts', 'web']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^10\.\S+\s+web/);
    expect(await outerState()).toEqual(before);
    expect((await sb.sh('ls -A /etc/netns 2>&1 || true')).stdout).toContain('No such file');
  });

  it('a failing test stops before CMD (exit 1) unless --keep-going', async () => {
    const file = join(scratchDir('topo-sandbox-mode'), 'fail.yaml');
    writeFileSync(file, FAILING);
    const stop = await sb.topo(['sandbox', file, '--', 'echo', 'ran']);
    expect(stop.exitCode, stop.stderr).toBe(1);
    expect(stop.stdout).toBe('');
    expect(stop.stderr).toContain('a test failed: not running the command');
    const go = await sb.topo(['sandbox', file, '--keep-going', '--', 'echo', 'ran']);
    expect(go.exitCode, go.stderr).toBe(0);
    expect(go.stdout).toBe('ran');
    expect(await sb.netns()).toEqual([]);
  });

  it('kill -9 of topo ends the sandbox: no process is left in its namespaces or in the lab\'s', async () => {
    const before = await outerState();
    // CMD leaves processes in the sandbox and in a lab namespace, prints the namespaces' inodes, and waits.
    const child = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', process.execPath, TOPO, 'sandbox', '-q', example('two-namespaces.yaml'), '--',
      'sh', '-c', 'sleep 1000 & ip netns exec ns1 sleep 1000 & readlink /proc/self/ns/net /proc/self/ns/mnt; ip netns exec ns1 readlink /proc/self/ns/net; wait'],
    { reject: false, buffer: false, stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.split('\n').length > 3) resolve(); });
      child.once('exit', (code) => reject(new Error(`topo sandbox exited (${code}) early: ${out}`)));
    });
    const inodes = [...out.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(inodes).toHaveLength(3);
    expect(holders(inodes).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    const left = await leftAfterKill(inodes);
    child.stdout!.destroy();
    await child.catch(() => undefined);
    expect(left).toEqual([]);
    expect(await outerState()).toEqual(before);
  });

  it('bad input is refused with the usual error before anything is made', async () => {
    const before = await outerState();
    const missing = await sb.topo(['sandbox', '/nonexistent/lab.yaml', '--', 'true']);
    expect(missing.exitCode).toBe(65);
    expect(missing.stderr).toContain('file not found: /nonexistent/lab.yaml');
    const file = join(scratchDir('topo-sandbox-mode'), 'bad.yaml');
    writeFileSync(file, 'name: bad\nnamespaces:\n  a: {}\nveths:\n  - ends:\n      - { name: v1, namespace: a, addresses: [10.0.0.1/33] }\n      - { name: v2, namespace: nope }\n');
    const invalid = await sb.topo(['sandbox', file, '--', 'true']);
    expect(invalid.exitCode).toBe(65);
    expect(invalid.stderr).toMatch(/bad\.yaml:6:\d+: error/);
    // a file under /run: the sandbox's /run is its own, the file would not be seen there
    await sb.sh(`cp ${example('two-namespaces.yaml')} /run/lab.yaml`);
    const underRun = await sb.topo(['sandbox', '/run/lab.yaml', '--', 'true']);
    expect(underRun.exitCode).toBe(64);
    expect(underRun.stderr).toContain("topo sandbox can't use /run/lab.yaml");
    await sb.sh('rm /run/lab.yaml');
    // the inner half's option, given by hand, is refused: it acts only as the init of a sandbox topo made
    const inside = await sb.topo(['sandbox', example('two-namespaces.yaml'), '--inside', '1:2', '--', 'true']);
    expect(inside.exitCode).toBe(64);
    expect(inside.stderr).toContain('--inside is internal to topo sandbox');
    expect(await outerState()).toEqual(before);
  });
});


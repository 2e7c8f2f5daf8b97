// Large labs run their namespaces' batches and reads grouped (io/ns-group.ts: few spawns, each a launcher that
// enters namespace after namespace with Perl's setns) instead of one process each. Batching must not cost
// correctness (the ip engine's: the netlink engine's requests are made in-process): a lab of 12 namespaces (enough to be grouped) is built, read back and verified, also where Perl is
// missing; a kernel refusal in the middle of a grouped batch still names the step, the
// exact command and the kernel's words, and the apply is rolled back exactly.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kernelState } from '../helpers/kernel-state.js';
import { Sandbox } from '../helpers/sandbox.js';
import { addrOf, nsOf, starYaml } from '../../bench/star.js';

const N = 12;
let dir: string;
let v4: string, v6: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'topo-grouped-'));
  v4 = join(dir, 'star.yaml');
  v6 = join(dir, 'star-v6.yaml');
  writeFileSync(v4, starYaml(N));
  // The same lab with an IPv6 address on every namespace's end.
  writeFileSync(v6, starYaml(N).replace(/addresses: \[(10\.0\.0\.(\d+)\/16)\]/g, 'addresses: [$1, "fd00::$2/64"]'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** argv of every process topo started ($TOPO_TRACE_FILE). */
const traced = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);

describe('grouped namespace batches', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it(`a lab of ${N} namespaces: built and read back in groups, verified, works, re-applies as a no-op`, async () => {
    const trace = join(dir, 'trace-apply');
    const applied = await sb.topo(['apply', v4], { TOPO_TRACE_FILE: trace, TOPO_ENGINE: 'ip' });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const argv = traced(trace);
    // The namespaces' batches went through the Perl launcher, not one `ip -n` spawn each.
    expect(argv.filter((a) => a[0] === 'perl').length).toBeGreaterThan(0);
    expect(argv.filter((a) => a[0] === 'ip' && a[1] === '-n')).toEqual([]);
    // What the kernel holds, read independently: every namespace has its lo up, its address and its route.
    for (let i = 1; i <= N; i++) {
      const links = await sb.ipJson<any[]>(nsOf(i), '-d', 'addr', 'show');
      expect(links.find((l) => l.ifname === 'lo').flags).toContain('UP');
      const end = links.find((l) => l.ifname === `e${i}`);
      expect(end.flags).toContain('UP');
      expect(end.ifalias).toBe('topo:star');
      expect(end.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`)).toEqual([`${addrOf(i)}/16`]);
      const routes = await sb.ipJson<any[]>(nsOf(i), 'route', 'show', 'default');
      expect(routes).toMatchObject([{ dst: 'default', gateway: '10.0.0.1', protocol: '241' }]);
    }
    expect(await sb.ping(nsOf(1), addrOf(N))).toBe(true);
    // Reads grouped too: the ip engine's (the netlink engine reads in-process, see netlink-engine.test.ts).
    const again = await sb.topo(['apply', v4, '--json'], { TOPO_TRACE_FILE: join(dir, 'trace-noop'), TOPO_ENGINE: 'ip' });
    expect(JSON.parse(again.stdout).changed).toBe(false);
    expect(traced(join(dir, 'trace-noop')).filter((a) => a[0] === 'perl').length).toBeGreaterThan(0);
    const destroyed = await sb.topo(['destroy', v4]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  // A PATH with only the tools topo may run, minus the launchers a machine might lack.
  const pathWithout = (missing: string[]) => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    for (const tool of ['ip', 'tee', 'grep', 'flock', 'nsenter', 'perl'].filter((t) => !missing.includes(t))) {
      const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, tool)).find((f) => existsSync(f));
      if (!found) throw new Error(`${tool} not found on this machine`);
      symlinkSync(found, join(bin, tool));
    }
    return bin;
  };

  it('without perl: the namespaces\' batches run through one `ip -n` each, same lab', async () => {
    const PATH = pathWithout(['perl']);
    const trace = join(dir, 'trace-ip');
    const applied = await sb.topo(['apply', v4], { PATH, TOPO_TRACE_FILE: trace, TOPO_ENGINE: 'ip' });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const argv = traced(trace);
    const alone = argv.filter((a) => a[0] === 'ip' && a[1] === '-n').length;
    expect(alone).toBeGreaterThanOrEqual(N);
    for (const i of [1, N]) {
      const end = (await sb.ipJson<any[]>(nsOf(i), 'addr', 'show', 'dev', `e${i}`))[0];
      expect(end.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => a.local)).toEqual([addrOf(i)]);
    }
    expect(await sb.ping(nsOf(1), addrOf(N))).toBe(true);
    expect(JSON.parse((await sb.topo(['apply', v4, '--json'], { PATH })).stdout).changed).toBe(false);
    expect((await sb.topo(['destroy', v4], { PATH })).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('a kernel refusal in the middle of a grouped batch names the step, the command and the kernel message; rolled back', async () => {
    expect((await sb.topo(['apply', v4])).exitCode).toBe(0);
    // IPv6 off on one end: the kernel refuses its new address, half way through the grouped config stage.
    const bad = 5;
    expect((await sb.run(['ip', 'netns', 'exec', nsOf(bad), 'sysctl', '-q', '-w', `net.ipv6.conf.e${bad}.disable_ipv6=1`])).exitCode).toBe(0);
    const before = await kernelState(sb);
    const trace = join(dir, 'trace-fail');
    const r = await sb.topo(['apply', v6, '--json'], { TOPO_TRACE_FILE: trace, TOPO_ENGINE: 'ip' });
    expect(r.exitCode).toBe(1);
    expect(traced(trace).filter((a) => a[0] === 'perl').length).toBeGreaterThan(0);
    const err = JSON.parse(r.stdout).error;
    const addr = `fd00::${bad + 1}/64`;
    expect(err).toMatchObject({
      code: 'E_COMMAND', step: `${addr} on e${bad}`,
      argv: ['ip', '-n', nsOf(bad), 'addr', 'add', addr, 'dev', `e${bad}`, 'nodad'], rolledBack: true,
    });
    expect(err.stderr).toMatch(/IPv6 is disabled/);
    expect(err.message).toContain(`ip -n ${nsOf(bad)} addr add ${addr} dev e${bad} nodad`);
    // Rolled back: the addresses the other namespaces got are gone again, everything else as it was.
    expect(await kernelState(sb)).toEqual(before);
  });
});

// The launchers of grouped namespace scripts (io/launchers.ts), each against the kernel: Perl's setns, one `ip -n`
// per namespace where Perl is missing. Whichever runs them, every job reports the same: ok with its `show` output,
// failed at its line with the kernel's words, or gone (no such namespace). Scripts reach `ip` on its stdin: no
// file holds one, so nobody can swap it between its write and its run.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import type { Runner } from '../../src/io/runner.js';

let dir: string;
let sb: Sandbox;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'topo-launchers-'));
  sb = await Sandbox.create();
  expect((await sb.sh('for i in 1 2 3 4 5 6 7 8 9; do ip netns add t$i; done')).exitCode).toBe(0);
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding the tools (nsenter: the sandbox's way in), minus the missing ones. */
function pathWithout(missing: string[]): string {
  const bin = mkdtempSync(join(dir, 'bin-'));
  for (const tool of ['ip', 'nsenter', 'perl'].filter((t) => !missing.includes(t))) {
    const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, tool)).find((f) => existsSync(f));
    if (!found) throw new Error(`${tool} not found on this machine`);
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

describe.each([
  { missing: [] as string[], used: 'perl' },
  { missing: ['perl'], used: 'ip' },
])('namespace scripts without $missing', ({ missing, used }) => {
  it(`run through ${used}: ok, failed at a line, gone`, async () => {
    vi.resetModules(); // the launcher found is remembered per process (module)
    const { runNsJobs } = await import('../../src/io/ns-group.js');
    const PATH = pathWithout(missing);
    const started: string[] = [];
    const run: Runner = async (argv, opts = {}) => {
      started.push(argv[0] === 'ip' ? `ip ${argv[1]}` : argv[0]);
      const r = await sb.run(argv, { input: opts.input, env: { PATH } });
      // execa strips the output's last newline; topo's runner (io/runner.ts) keeps it.
      return { ...r, stdout: r.stdout && `${r.stdout}\n` };
    };
    const jobs = [
      ...[1, 2, 3, 4, 5].map((i) => ({ ns: `t${i}`, lines: ['link set dev lo up'], shows: 0 })),
      // More than a pipe holds (64 KiB): the launcher writes while `ip` reads.
      { ns: 't6', lines: Array(5000).fill('link set dev lo up'), shows: 0 },
      { ns: 't7', lines: ['link set dev lo up', 'addr add 10.1.1.1/24 dev nosuchdev', 'link set dev lo mtu 1300'], shows: 0 },
      { ns: 'nosuchns', lines: ['link set dev lo up'], shows: 0 },
      { ns: 't8', lines: ['link set dev lo up', 'addr show dev lo', 'route show table all'], shows: 2 },
    ];
    const out = await runNsJobs(run, jobs, 2);

    expect(started.filter((s) => s !== 'perl' && s !== 'ip -n').length).toBe(0);
    expect(started).toContain(used === 'ip' ? 'ip -n' : used);
    expect(out.slice(0, 6).map((r) => r.status), JSON.stringify(out[0])).toEqual(Array(6).fill('ok'));
    expect(out[6]).toMatchObject({ status: 'failed', line: 2 });
    expect((out[6] as { stderr: string }).stderr).toMatch(/Cannot find device "nosuchdev"/);
    expect(out[7].status).toBe('gone');
    expect(out[8].status).toBe('ok');
    const [addr, routes] = (out[8] as { stdout: string[] }).stdout.map((l) => JSON.parse(l));
    expect(addr[0]).toMatchObject({ ifname: 'lo', flags: expect.arrayContaining(['UP']) });
    expect(routes.some((r: { dst: string }) => r.dst === '127.0.0.0/8')).toBe(true);

    // What the kernel says: the jobs ran in their own namespaces, the failed one stopped at its failing line.
    for (const i of [1, 6, 7, 8]) {
      const lo = await sb.ipJson<{ flags: string[]; mtu: number }[]>(`t${i}`, 'link', 'show', 'dev', 'lo');
      expect(lo[0].flags).toContain('UP');
      expect(lo[0].mtu).toBe(65536);
    }
    expect((await sb.ipJson<{ flags: string[] }[]>('t9', 'link', 'show', 'dev', 'lo'))[0].flags).not.toContain('UP');
    expect((await sb.sh('for i in 1 2 3 4 5 6 7 8; do ip -n t$i link set dev lo down; done')).exitCode).toBe(0);
  });
});

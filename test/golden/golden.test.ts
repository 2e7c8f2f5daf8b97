// Golden cases, nmstate-style: one folder per case (see capture.sh for what each file holds), for any kind. Each is
// planned through src/ops as `topo plan` (apply's planning) or destroy plan it, the recorded kernel reads (reads.json)
// answering every read topo makes (ip, nft, sysctls, identities), and the rendered plan (with --commands) must
// equal plan.txt. Adding a case is adding a folder and capturing it. UPDATE_GOLDEN=1 rewrites plan.txt instead.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLive } from '../../src/io/read-live.js';
import { caseInfo, goldenPlan, recorder, replayer, type Recording } from '../helpers/golden.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CASES = readdirSync(HERE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('golden plans (recorded kernel reads in, plan out)', () => {
  it('has cases', () => expect(CASES.length).toBeGreaterThan(10));
  for (const name of CASES) {
    const dir = join(HERE, name);
    it(`${name}: ${caseInfo(dir).description}`, async () => {
      expect(existsSync(join(dir, 'reads.json')), `${name} was never captured: run test/golden/capture.sh`).toBe(true);
      const got = await goldenPlan(dir);
      const file = join(dir, 'plan.txt');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});

describe('golden replay', () => {
  const recorded = (dir: string) => JSON.parse(readFileSync(join(HERE, dir, 'reads.json'), 'utf8')) as Recording;

  it('a read the recording holds no answer for fails the case, naming the command (a kind\'s new ip line included)', async () => {
    const kernel = replayer(recorded('converged-bridge-node'));
    // Recorded with the lines this lab needs read (it declares and lists no rules or neighbours, so none of the
    // kinds' lines, see Kind.ipReadsOnly): one line more is a batch the recording never saw.
    const kinds: { name: string; line: string }[] = [];
    const read = (ipReads: { name: string; line: string }[]) => readLive(kernel.run, { namespaces: ['NS1'], sysctls: {}, ipReads,
      nsidsNeeded: () => [], procSys: kernel.procSys, identity: kernel.identity });
    await expect(read(kinds)).resolves.toBeDefined();
    const lines = ['addr show', 'route show table all', 'netns list', ...kinds.map((r) => r.line), 'x show'].join('\\n');
    await expect(read([...kinds, { name: 'x:new', line: 'x show' }])).rejects.toThrow(
      `golden replay: no recorded answer for ip -json -d -batch - with stdin "${lines}\\n"`);
    await expect(kernel.identity('elsewhere')).rejects.toThrow('golden replay: no recorded answer for the identity of namespace elsewhere');
    expect(() => kernel.procSys('/proc/sys/net/ipv4/tcp_rmem')).toThrow('golden replay: no recorded answer for the host\'s /proc/sys/net/ipv4/tcp_rmem');
    expect(() => kernel.inProcess({ name: 'process', ns: 'host', tool: 'procfs', args: ['lab', 'x'], what: '', absent: /(?!)/, pkg: '' }))
      .toThrow('golden replay: no recorded answer for topo\'s own read procfs lab x');
  });

  it('a kind\'s ip line is recorded with the batch it joins, and replayed under its name', async () => {
    const answer = (line: string) => JSON.stringify(line === 'rule show' ? [{ priority: 0, src: 'all', table: 'local' }] : []);
    const { reads, recording } = recorder({
      run: async (argv, opts) => argv.includes('-batch')
        ? { stdout: (opts?.input ?? '').split('\n').filter(Boolean).map((l) => `${answer(l)}\n`).join(''), stderr: '', exitCode: 0 }
        : { stdout: '[]', stderr: '', exitCode: 0 },
      procSys: () => '0\n', identity: async () => undefined, inProcess: () => undefined,
    });
    const req = { namespaces: [], sysctls: {}, ipReads: [{ name: 'x:rules', line: 'rule show' }] };
    const live = await readLive(reads.run, req);
    const again = await readLive(replayer(JSON.parse(JSON.stringify(recording)) as Recording).run, req);
    expect(again.ns.host.ipDocs).toEqual({ 'x:rules': [{ priority: 0, src: 'all', table: 'local' }] });
    expect(again).toEqual(live);
  });
});

// A namespace's last batch ends with show lines (read-back, io/run-step-cmds.ts): what it prints is verification's
// first look. Whatever the output, what ran is reported exactly: a failing command by its line, a failing or
// unreadable show as "every command ran, nothing read back" (verification then reads the namespace itself).
import { describe, expect, it } from 'vitest';
import { nsReads } from '../../src/io/ip-reads.js';
import { runSegment, type Item } from '../../src/io/run-step-cmds.js';
import type { RunResult, Runner } from '../../src/io/runner.js';
import type { Step } from '../../src/model.js';

const step = (label: string): Step => ({ op: 'create', kind: 'address', key: `address:a/${label}`, ns: 'a', label, rank: 330, stage: 'config', cmds: [] });
const seg: Item[] = ['10.0.0.1/24', '10.0.1.1/24'].map((cidr) => ({ step: step(cidr), cmd: { ns: 'a', tool: 'ip', args: ['addr', 'add', cidr, 'dev', 'e1'] } }));
const SHOWS = nsReads('a');

function fake(r: Partial<RunResult>): { run: Runner; calls: { argv: string[]; input?: string }[] } {
  const calls: { argv: string[]; input?: string }[] = [];
  return { calls, run: async (argv, opts = {}) => { calls.push({ argv, input: opts.input }); return { stdout: '', stderr: '', exitCode: 0, ...r }; } };
}

describe('read-back at the end of a namespace\'s last batch', () => {
  it('one `ip -json -d -batch` runs the commands, then the shows; their output is shaped', async () => {
    const f = fake({ stdout: '[{"ifindex":1,"ifname":"lo","flags":["UP"]}]\n[{"dst":"default","gateway":"10.0.0.254","dev":"e1"}]\n' });
    const r = await runSegment(f.run, seg, undefined, SHOWS);
    expect(f.calls).toEqual([{ argv: ['ip', '-n', 'a', '-json', '-d', '-batch', '-'],
      input: 'addr add 10.0.0.1/24 dev e1\naddr add 10.0.1.1/24 dev e1\naddr show\nroute show table all\n' }]);
    expect(r.done).toEqual(seg);
    expect(r.failed).toBeUndefined();
    expect(r.readBack).toEqual({ links: [{ ifindex: 1, ifname: 'lo', flags: ['UP'] }], routes: [{ dst: 'default', gateway: '10.0.0.254', dev: 'e1' }] });
  });

  it('a failing command: the ones before it ran, the error names it with the kernel\'s words', async () => {
    const r = await runSegment(fake({ exitCode: 1, stderr: 'Error: ipv4: Address already assigned.\nCommand failed -:2\n' }).run, seg, undefined, SHOWS);
    expect(r.done).toEqual([seg[0]]);
    expect(r.failed?.item).toBe(seg[1]);
    expect(r.failed?.error.message).toContain('ip -n a addr add 10.0.1.1/24 dev e1');
    expect(r.failed?.error.message).toContain('Address already assigned');
    expect(r.readBack).toBeUndefined();
  });

  it('a failing show, or output that is not JSON: every command ran, nothing is read back', async () => {
    for (const res of [{ exitCode: 1, stderr: 'Error: something\nCommand failed -:4\n' }, { stdout: 'not json\n' }]) {
      const r = await runSegment(fake(res).run, seg, undefined, SHOWS);
      expect(r.done).toEqual(seg);
      expect(r.failed).toBeUndefined();
      expect(r.readBack).toBeUndefined();
    }
  });

  it('without shows, the batch is the plain one', async () => {
    const f = fake({});
    expect((await runSegment(f.run, seg)).readBack).toBeUndefined();
    expect(f.calls[0].argv).toEqual(['ip', '-n', 'a', '-batch', '-']);
  });
});

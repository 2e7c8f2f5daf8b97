// kill -9 of topo while it starts a lab's processes, against a real machine in the sandbox: the next apply
// converges (the same processes, each once: counted from /proc by their marker) and destroy stops every process the
// lab started and nothing else: a process the test started in a lab namespace (a decoy) stays running and is named.
// Also kill -9 of topo while a destroy waits for a process that ignores SIGTERM: the next destroy ends it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { scratchDir } from '../helpers/scratch.js';
import { killLeftovers, startTopo } from '../helpers/trace-gate.js';
import { alive, killMarked, marked, until } from '../helpers/lab-procs.js';

let sb: Sandbox, lab: string, n = 0;
beforeEach(async () => { sb = await Sandbox.create(); lab = `procc-${process.pid}-${++n}`; });
afterEach(async () => { killLeftovers(); killMarked(lab); await sb.close(); });

function labFile(dir: string, run: Record<string, unknown>): string {
  const f = join(dir, 'lab.yaml');
  writeFileSync(f, `${JSON.stringify({
    name: lab, namespaces: { srv: { run }, cli: {} },
    veths: [{ ends: [{ name: 'eth0', namespace: 'srv', addresses: ['10.9.0.1/24'] }, { name: 'eth0', namespace: 'cli', addresses: ['10.9.0.2/24'] }] }],
  }, null, 1)}\n`);
  return f;
}
/** The lab's processes by name, each name's pids (from /proc, by the marker). */
const byRun = () => {
  const out: Record<string, number[]> = {};
  for (const p of marked(lab)) (out[p.run] ??= []).push(p.pid);
  return out;
};

/** topo has written the process's pid file, "starting" (it waits for its ready check). */
const starting = async (name: string) => (await sb.run(['cat', `/run/topo/logs/${lab}/${name}.pid`])).stdout.endsWith(' starting');

describe('processes: kill -9 of topo', () => {
  it('killed while a process waits to be ready: apply converges (same processes, none twice), destroy stops them all and leaves a decoy', async () => {
    const dir = scratchDir('topo-procc-');
    const go = join(dir, 'go');
    const f = labFile(dir, {
      first: { cmd: ['sleep', '1000'] },
      waits: { cmd: ['sleep', '1001'], after: ['first'], ready: { file: go, timeout: '60s' } },
      last: { cmd: ['sleep', '1002'], after: ['waits'] },
    });
    const topo = startTopo(sb, ['apply', f]);
    // topo has started `waits` and polls for its ready file: kill it there, by its pid.
    expect(await until(async () => (byRun().waits ?? []).length === 1 && await starting('waits'))).toBe(true);
    process.kill(topo.pid, 'SIGKILL');
    expect((await topo.done).signal).toBe('SIGKILL');
    const started = byRun();
    expect(Object.keys(started).sort()).toEqual(['first', 'waits']);

    // Someone else's process in a lab namespace.
    const decoy = Number((await sb.sh('ip netns exec srv sleep 1003 >/dev/null 2>&1 & echo $!')).stdout.trim());
    try {
      expect(alive(decoy)).toBe(true);
      // `waits` runs as declared, but no apply saw it ready ("starting" in its pid file): the next one checks it.
      // The file says "starting" alone, as when topo is killed between the spawn and writing the pid down (the same
      // plan then: the process found is the one it started).
      await sb.run(['sh', '-c', `echo starting > /run/topo/logs/${lab}/waits.pid`]);
      const plan = await sb.topo(['plan', f]);
      expect(plan.stdout).toContain('~ process waits (ready: not checked -> checked)');
      expect(plan.stdout).toContain('+ process last');
      expect(plan.stdout).not.toContain('process first');
      writeFileSync(go, '');
      const r = await sb.topo(['apply', f]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(withoutProgress(r.stderr)).toBe('');
      const now = byRun();
      // The two it had started are left as they are (same pids), the third started; each exactly once.
      expect(now).toEqual({ first: started.first, waits: started.waits, last: [expect.any(Number)] });
      expect((await sb.run(['cat', `/run/topo/logs/${lab}/waits.pid`])).stdout).toMatch(new RegExp(`^${started.waits[0]} \\d+$`));
      expect((await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode).toBe(0);
      const again = await sb.topo(['apply', f]);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      expect(byRun()).toEqual(now);

      const d = await sb.topo(['destroy', f]);
      expect(d.exitCode, d.stdout + d.stderr).toBe(0);
      expect(withoutProgress(d.stderr)).toBe(`warning: process ${decoy} (sleep 1003) in srv is not lab "${lab}"'s: left running, never signalled`
        + ' (the namespace\'s name is deleted; its network lives on as long as the process does)');
      expect(marked(lab)).toEqual([]);
      for (const pids of Object.values(now)) for (const p of pids) expect(alive(p)).toBe(false);
      expect(alive(decoy)).toBe(true);
      expect(await sb.netns()).toEqual([]);
    } finally {
      process.kill(decoy, 'SIGKILL');
    }
  });

  it('killed while a process waits to be ready: the next apply waits for its check again, and fails when it does not pass', async () => {
    const dir = scratchDir('topo-procc-');
    const run = (timeout: string) => ({
      waits: { cmd: ['sleep', '1001'], ready: { file: join(dir, 'never'), timeout } },
      last: { cmd: ['sleep', '1002'], after: ['waits'] },
    });
    const f = labFile(dir, run('60s'));
    const topo = startTopo(sb, ['apply', f]);
    expect(await until(async () => (byRun().waits ?? []).length === 1 && await starting('waits'))).toBe(true);
    process.kill(topo.pid, 'SIGKILL');
    expect((await topo.done).signal).toBe('SIGKILL');
    // The timeout is not part of the spec: the same process, whose check now has 1 s.
    const short = labFile(scratchDir('topo-procc-'), run('1s'));
    const r = await sb.topo(['apply', short]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`process waits in srv: not ready after 1s (no file ${join(dir, 'never')})`);
    expect(byRun()).toEqual({}); // stopped, never ready; `last` never started
  });

  it('killed while destroy waits for a process that ignores SIGTERM: the next destroy ends it, and the restart loop of another', async () => {
    const dir = scratchDir('topo-procc-');
    const f = labFile(dir, {
      // Stopped in the order of the file: looped, then stubborn.
      looped: { cmd: ['sleep', '1000'], restart: 'on-failure' },
      stubborn: { cmd: 'trap "" TERM; echo ignoring; while :; do sleep 1; done', ready: { command: `grep -q ignoring /run/topo/logs/${lab}/stubborn.log` } },
    });
    const a = await sb.topo(['apply', f]);
    expect(a.exitCode, a.stdout + a.stderr).toBe(0);
    const before = byRun();
    expect(before.looped).toHaveLength(2); // the restart loop and sleep
    const topo = startTopo(sb, ['destroy', f]);
    // looped is stopped (the loop and its sleep are gone): topo goes on to stubborn, which outlasts SIGTERM for the
    // grace period (3 s); killed there.
    expect(await until(() => !byRun().looped)).toBe(true);
    process.kill(topo.pid, 'SIGKILL');
    expect((await topo.done).signal).toBe('SIGKILL');
    expect(Object.keys(byRun())).toEqual(['stubborn']);
    const d = await sb.topo(['destroy', f]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    expect(marked(lab)).toEqual([]);
    expect(await sb.netns()).toEqual([]);
  });
});

// restart: on-failure against a real machine, in the sandbox: a command that fails twice, then stays up, is up
// after apply with 2 restarts (topo ps, the log's "restarting (k/max)" lines); killed, it is started again; stop
// ends both the restart loop and the command; one that always fails is left exited after max_restarts, and the
// apply waiting for its ready check says so (rolled back), or, without a ready check, topo ps shows it exited.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { scratchDir } from '../helpers/scratch.js';
import { alive, killMarked, marked, until } from '../helpers/lab-procs.js';

let sb: Sandbox, lab: string, n = 0;
beforeEach(async () => { sb = await Sandbox.create(); lab = `procr-${process.pid}-${++n}`; });
afterEach(async () => { killMarked(lab); await sb.close(); });

function labFile(dir: string, run: Record<string, unknown>): string {
  const f = join(dir, 'lab.yaml');
  writeFileSync(f, `${JSON.stringify({ name: lab, namespaces: { srv: { run } } }, null, 1)}\n`);
  return f;
}
const ps = async (f: string) => JSON.parse((await sb.topo(['ps', f, '--json'])).stdout).processes as { name: string; status: string; restarts: number; pid?: number; pids: number[] }[];
const log = async (name: string) => (await sb.run(['cat', `/run/topo/logs/${lab}/${name}.log`])).stdout;
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

describe('processes: restart on-failure', () => {
  it('fails twice then stays up: up after apply with 2 restarts; killed, started again; stop ends the loop and the command', async () => {
    const dir = scratchDir('topo-procr-');
    const count = join(dir, 'count');
    const up = join(dir, 'up');
    // Each run counts itself; the first two exit 1, the next ones say they are up and stay.
    const f = labFile(dir, { flaky: {
      cmd: `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n+1)) > ${count}; [ "$n" -ge 2 ] || { echo "run $n fails"; exit 1; }; touch ${up}; exec sleep 1000`,
      restart: 'on-failure', restart_delay: '100ms', ready: { file: up, timeout: '20s' },
    } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(withoutProgress(r.stderr)).toBe('');
    expect(readFileSync(count, 'utf8').trim()).toBe('3');
    expect(await log('flaky')).toBe(['run 0 fails', 'topo: flaky exited with 1, restarting (1/5)', 'run 1 fails', 'topo: flaky exited with 1, restarting (2/5)'].join('\n'));
    // The restart loop (sh, topo started it) and the command (sleep): both carry the marker.
    const procs = marked(lab).filter((p) => p.run === 'flaky');
    expect(procs).toHaveLength(2);
    const [row] = await ps(f);
    expect(row).toMatchObject({ name: 'flaky', status: 'running', restarts: 2 });
    const loop = row.pid!;
    expect(cmdline(loop)[0]).toBe('sh');
    const cmd = procs.find((p) => p.pid !== loop)!.pid;
    expect(cmdline(cmd)).toEqual(['sleep', '1000']);
    expect(await sb.topo(['plan', f, '--detailed-exitcode']).then((x) => x.exitCode)).toBe(0);

    // The command killed: the loop starts it again (a signal is a failure), the loop itself stays.
    process.kill(cmd, 'SIGTERM');
    expect(await until(async () => (await ps(f))[0].restarts === 3 && marked(lab).filter((p) => p.run === 'flaky').length === 2)).toBe(true);
    const again = marked(lab).find((p) => p.run === 'flaky' && p.pid !== loop)!.pid;
    expect(again).not.toBe(cmd);
    expect(alive(loop)).toBe(true);
    expect(await log('flaky')).toContain('topo: flaky exited with 143, restarting (3/5)');

    // Stop (the process removed from the file): SIGTERM ends the loop and the command, nothing restarts.
    const none = labFile(scratchDir('topo-procr-'), {});
    const s = await sb.topo(['apply', none]);
    expect(s.exitCode, s.stdout + s.stderr).toBe(0);
    expect(alive(loop)).toBe(false);
    expect(alive(again)).toBe(false);
    expect(marked(lab)).toEqual([]);
    expect((await sb.run(['ls', `/run/topo/logs/${lab}`])).stdout.split('\n')).toEqual(['flaky.log']); // no pid, no counter left
  });

  it('always fails: left exited after max_restarts; an apply waiting for it to be ready says so and rolls back', async () => {
    const dir = scratchDir('topo-procr-');
    const f = labFile(dir, { bad: { cmd: 'echo nope; exit 1', restart: 'on-failure', max_restarts: 2, restart_delay: '100ms', ready: { file: join(dir, 'never'), timeout: '30s' } } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('process bad in srv: exited with status 1 (the restart loop\'s, after 2 restarts) before it was ready');
    expect(r.stderr).toContain('topo: bad exited with 1, not restarted: 2 restarts done');
    expect(await log('bad')).toBe(['nope', 'topo: bad exited with 1, restarting (1/2)', 'nope', 'topo: bad exited with 1, restarting (2/2)', 'nope',
      'topo: bad exited with 1, not restarted: 2 restarts done'].join('\n'));
    expect(marked(lab)).toEqual([]);
    expect(await sb.netns()).toEqual([]);
  });

  it('always fails, no ready check: the apply succeeds (it did not exit at once), then topo ps shows it exited after its restarts', async () => {
    const dir = scratchDir('topo-procr-');
    const ran = join(dir, 'ran');
    const f = labFile(dir, { late: { cmd: `echo x >> ${ran}; sleep 0.4; exit 4`, restart: 'on-failure', max_restarts: 2, restart_delay: '100ms' } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await until(async () => (await ps(f))[0].status === 'exited')).toBe(true);
    expect((await ps(f))[0]).toMatchObject({ name: 'late', status: 'exited', restarts: 2, pids: [] });
    expect(readFileSync(ran, 'utf8')).toBe('x\nx\nx\n');
    expect(await log('late')).toContain('topo: late exited with 4, not restarted: 2 restarts done');
    // Exited is drift: the next apply starts it again (its count from 0).
    const plan = await sb.topo(['plan', f, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+ process late');
    expect(existsSync(ran)).toBe(true);
  });
});

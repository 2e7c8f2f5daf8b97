// How a process is run (core/process-argv.ts): the restart loop, run for real by sh with a `sleep` of the test's
// (which only says how long it was asked to wait, so nothing waits and no clock is read) — the restarts, the log
// lines, the counter file, the doubling delay and its cap, exit 0 and the bound —, and setpriv's argv for a user.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processArgv, RESTART_LOOP } from '../../src/core/process-argv.js';
import { scratchDir } from '../helpers/scratch.js';

function loop(max: number, delayMs: number, cmd: string) {
  const dir = scratchDir('topo-loop');
  writeFileSync(join(dir, 'sleep'), '#!/bin/sh\necho "slept $1"\n');
  chmodSync(join(dir, 'sleep'), 0o755);
  const counter = join(dir, 'count');
  const r = spawnSync('sh', ['-c', RESTART_LOOP, 'topo-restart', 'web', String(max), String(delayMs), counter, 'sh', '-c', cmd],
    { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin`, RUNS: join(dir, 'runs') } });
  let count: string | undefined;
  try { count = readFileSync(counter, 'utf8').trim(); } catch { /* none */ }
  return { status: r.status, lines: r.stdout.trim().split('\n'), count };
}

describe('the restart loop', () => {
  it('restarts on failure, says so, counts, doubles the delay; stops at the bound with the status', () => {
    const r = loop(3, 50, 'echo run; exit 2');
    expect(r.status).toBe(2);
    expect(r.count).toBe('3');
    expect(r.lines).toEqual(['run', 'topo: web exited with 2, restarting (1/3)', 'slept 0.050', 'run', 'topo: web exited with 2, restarting (2/3)', 'slept 0.100',
      'run', 'topo: web exited with 2, restarting (3/3)', 'slept 0.200', 'run', 'topo: web exited with 2, not restarted: 3 restarts done']);
  });

  it('ends with the command on exit 0 (after failures or at once)', () => {
    const r = loop(5, 1000, 'n=$(cat "$RUNS" 2>/dev/null || echo 0); echo $((n+1)) > "$RUNS"; [ "$n" -ge 1 ]');
    expect(r).toEqual({ status: 0, count: '1', lines: ['topo: web exited with 1, restarting (1/5)', 'slept 1.000'] });
    expect(loop(5, 1000, 'true')).toEqual({ status: 0, count: undefined, lines: [''] });
  });

  it('the delay doubles up to 30 s, or up to the delay itself when it is longer', () => {
    const slept = (d: number) => loop(4, d, 'exit 1').lines.filter((l) => l.startsWith('slept'));
    expect(slept(12_000)).toEqual(['slept 12.000', 'slept 24.000', 'slept 30.000', 'slept 30.000']);
    expect(slept(45_500)).toEqual(['slept 45.500', 'slept 45.500', 'slept 45.500', 'slept 45.500']);
  });
});

describe('processArgv', () => {
  it('the command as is; as a user through setpriv; inside the loop', () => {
    expect(processArgv(['sleep', '1'], { name: 'w', counter: '/c' })).toEqual(['sleep', '1']);
    expect(processArgv(['sleep', '1'], { name: 'w', counter: '/c', as: { uid: 65534, gid: 65534, initGroups: true } }))
      .toEqual(['setpriv', '--reuid=65534', '--regid=65534', '--init-groups', '--', 'sleep', '1']);
    expect(processArgv(['sleep', '1'], { name: 'w', counter: '/c', as: { uid: 5151, gid: 5151, initGroups: false } }).slice(0, 5))
      .toEqual(['setpriv', '--reuid=5151', '--regid=5151', '--clear-groups', '--']);
    expect(processArgv(['sleep', '1'], { name: 'w', counter: '/c', restart: { max: 2, delayMs: 10 }, as: { uid: 'nobody', initGroups: true } }))
      .toEqual(['sh', '-c', RESTART_LOOP, 'topo-restart', 'w', '2', '10', '/c', 'sh', '-c', expect.stringContaining('--regid="$(id -g "$u")" --init-groups'), 'topo-user', 'nobody', 'sleep', '1']);
  });
});

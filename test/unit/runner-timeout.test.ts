// The runner's time limit is its own timer, gone as soon as the process ends or fails to start. Node's spawn
// `timeout` option left its timer running after a failed spawn (a command that isn't installed), so topo stayed
// alive for the whole limit: `topo graph --format svg` without Graphviz took 30 s to say so.
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/io/runner.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('runner time limit', () => {
  it('leaves no timer behind when the command is not installed', async () => {
    const before = timers();
    const r = await runProcess(['topo-test-no-such-command'], { timeoutMs: 600_000 });
    expect(r.exitCode).toBe(127);
    expect(timers()).toBeLessThanOrEqual(before); // (the test runner's own timers may come and go meanwhile)
  });

  it('still kills a process that outlives its limit', async () => {
    const r = await runProcess(['sleep', '600'], { timeoutMs: 100 });
    expect(r.stderr).toContain('sleep was killed by SIGTERM (time limit 100 ms)');
  });
});

// Guarantee: SIGHUP (the terminal or the ssh session closing) stops an apply after the running step and rolls back,
// like SIGINT and SIGTERM (crash.test.ts), exiting 129 (128 + 1, as a shell reports a process killed by SIGHUP).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');

describe('signals', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  it('SIGHUP in the middle of an apply: stops after the running step, rolls back (a second SIGHUP too), exit 129', async () => {
    const gate = await TraceGate.create();
    const started: string[][] = [];
    try {
      const topo = startTopo(sb, ['apply', BIG], { TOPO_TRACE_FILE: gate.path });
      let sent = 0;
      for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
        started.push(...cmds);
        if (!cmds.some(isChange) || sent === 2) continue;
        // 1st: as the batch that creates the namespaces starts. 2nd: as the rollback's first batch starts.
        process.kill(topo.pid, 'SIGHUP');
        sent++;
      }
      const r = await topo.done;
      expect(r.signal, `killed by ${r.signal}\n${r.stderr}`).toBeUndefined();
      expect(sent, `${JSON.stringify(started)}\n${r.exitCode} ${r.stderr}`).toBe(2);
      expect(r.exitCode, r.stderr).toBe(129);
      expect(r.stderr).toContain('interrupted by SIGHUP: stopped after the running step');
      expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
      expect(r.stderr).not.toMatch(STACK);
    } finally { gate.close(); }
    // It stopped: after the namespaces' batch, nothing of the plan started (no batch in a lab namespace).
    expect(started.filter((a) => isChange(a) && a.includes('-n'))).toEqual([]);
    expect(started.filter(isChange)).toEqual([['ip', '-batch', '-'], ['ip', '-batch', '-']]);
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]); // no record, and the lock is free
    expectOk(await sb.topo(['apply', BIG]));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
  });
});

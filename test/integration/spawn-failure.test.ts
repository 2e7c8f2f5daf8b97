// Guarantee: a process topo can't start (too many open files, no processes or memory left) fails its step like a
// kernel error: rolled back, the kernel as before the apply, the lock free, no stack trace.
// The failure is real: the test holds topo at its trace gate right before it starts a process (see
// helpers/trace-gate.ts), lowers topo's open-files limit (prlimit) so that one more descriptor fits besides the
// gate's FIFO topo holds while it waits, and the spawn's pipes then don't; then the limit is restored.
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { blockedAtGate, isChange, killLeftovers, startTopo, TraceGate, type Started } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');

/** The soft open-files limit that leaves exactly one descriptor free below it (the lowest free one). */
function oneFreeDescriptor(pid: number): number {
  const used = new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
  let free = 0;
  for (let fd = 0; ; fd++) if (!used.has(fd) && ++free === 2) return fd;
}

const softLimit = async (pid: number, limit: number | string) => execa('prlimit', ['--pid', String(pid), `--nofile=${limit}:`]);

describe('a process that cannot be started', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  it('EMFILE when starting a batch in the middle of an apply: the step fails, rolled back, kernel as before, lock free', async () => {
    let r: Awaited<Started['done']> | undefined;
    // The limit is restored as soon as topo has written its next command, which it starts at once (the same
    // synchronous call), so that nothing after it (the rollback) meets the low limit. Should topo have been
    // descheduled in between and that spawn succeeded after all, the apply completes: destroy, and again.
    for (let attempt = 0; attempt < 5 && !r; attempt++) {
      const gate = await TraceGate.create();
      try {
        const topo = startTopo(sb, ['apply', BIG], { ...gate.env, TOPO_ENGINE: 'ip' }); // batches are processes with the ip engine
        let saved: string | undefined, restored = false;
        for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
          if (saved === undefined && cmds.some((c) => isChange(c) && c.includes('-n'))) {
            // Once a batch in a lab namespace started (the interfaces stage), at topo's next process.
            await blockedAtGate(topo.pid);
            saved = (await execa('prlimit', ['--pid', String(topo.pid), '--nofile', '--raw', '--noheadings', '-o', 'SOFT'])).stdout.trim();
            await softLimit(topo.pid, oneFreeDescriptor(topo.pid));
          } else if (saved !== undefined && !restored) {
            await softLimit(topo.pid, saved).catch(() => undefined); // (topo may have exited)
            restored = true;
          }
        }
        const done = await topo.done;
        // Met EMFILE where meant: the failed step's, and nothing after it (the reader took topo's next commands in
        // the same read, before the limit was back, when the rollback's own reads fail too).
        const once = done.stderr.includes('EMFILE') && !/reading the kernel failed: .*EMFILE/.test(done.stderr);
        if (once) r = done;
        else expectOk(await sb.topo(['destroy', BIG]));
      } finally { gate.close(); }
    }
    expect(r, 'no attempt met EMFILE at one step only').toBeDefined();
    expect(r!.signal, r!.stderr).toBeUndefined();
    expect(r!.stderr).not.toMatch(STACK);
    expect(r!.exitCode, r!.stderr).toBe(1);
    expect(r!.stderr).toMatch(/step ".+" failed: ip .+: ip could not be started: too many open files \(EMFILE\)/);
    expect(r!.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]); // no record, and the lock is free
    expectOk(await sb.topo(['apply', BIG]));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
  });
});

// Guarantee: kill -9 of topo at any point of an apply or destroy never leaves a lab that the next apply can't
// converge or the next destroy can't remove completely; Ctrl-C (SIGINT) and SIGTERM stop after the running step
// and roll back like a failure.
// The kills are real: TOPO_CRASH_AFTER=k makes topo SIGKILL itself right after its k-th kernel-changing command
// (an `ip -batch` is cut after its k-th line), so every k is a different moment of the same apply, including the
// instants between `ip netns add` and marking the namespace's lo, and between `link add` and setting the alias.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');
const BIG_V2 = fixture('big-v2.yaml');

/** Moments of the first apply of BIG (about 50 commands), as offsets from its start and from its end (negative):
 * through the namespaces and interfaces stages densely (the ownership windows: between `netns add` and marking lo,
 * between `link add` and the alias), then a sample of the addresses, routes and sysctls. */
const APPLY_KILLS = [0, 1, 2, 9, 11, 12, 13, 19, 21, 24, 30, 38, -6, -1];

describe('crash safety', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  /** topo killed by SIGKILL (not finished, not failed). */
  async function killedAt(args: string[], k: number, env: Record<string, string> = {}) {
    const r = await startTopo(sb, args, { TOPO_CRASH_AFTER: String(k), ...env }).done;
    expect(r.signal, `k=${k}: expected a kill -9, got exit ${r.exitCode}\n${r.stderr}`).toBe('SIGKILL');
  }
  async function expectConverged(file: string) {
    expectOk(await sb.topo(['apply', file]));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(file));
  }
  async function expectRemoved(file: string) {
    expectOk(await sb.topo(['destroy', file]));
    expect(await kernelState(sb)).toEqual(empty); // host sysctl back to 0, no namespace, no interface
    expect(await stateFiles(sb)).toEqual([]);
  }
  /** How many commands `topo plan` (or, for destroy, a dry count from the lab's live state) says it would run. */
  async function commandsOf(file: string, what: 'apply' | 'destroy' = 'apply'): Promise<number> {
    if (what === 'destroy') return 1 + (await sb.netns()).length; // the host sysctl put back, then one `netns del` each
    const plan = JSON.parse((await sb.topo(['plan', file, '--json'])).stdout);
    return plan.changes.flatMap((c: { commands: string[][] }) => c.commands).length;
  }

  /** Commands in the first apply of BIG, and in the change from BIG to BIG_V2, from `topo plan` (counted once). */
  let bigCommands: number | undefined, v2Commands: number | undefined;

  // One case per moment, each in its own fresh sandbox with its own time budget. After the kill, every other pair of
  // moments is converged by the next apply first; then the next destroy removes all (the kernel as the empty sandbox
  // was, no state file).
  for (const [i, k] of APPLY_KILLS.entries()) {
    const at = k < 0 ? `${-k} commands before its end` : `after ${k} command${k === 1 ? '' : 's'}`;
    it(`kill -9 in a first apply, ${at}: the next apply converges, the next destroy removes all`, async () => {
      bigCommands ??= await commandsOf(BIG);
      await killedAt(['apply', BIG], k < 0 ? bigCommands + k : k);
      if ((i >> 1) % 2 === 0) await expectConverged(BIG);
      await expectRemoved(BIG);
    });
  }

  // A destroy of BIG runs 1 + 5 commands: the host sysctl put back, then one `netns del` each.
  for (const k of [0, 1, 3, 5]) {
    it(`kill -9 in a destroy after ${k} command${k === 1 ? '' : 's'}: the next destroy finishes it, or the next apply converges`, async () => {
      expectOk(await sb.topo(['apply', BIG]));
      expect(await commandsOf(BIG, 'destroy')).toBe(6);
      await killedAt(['destroy', BIG], k);
      if (k % 2 === 0) await expectRemoved(BIG);
      else await expectConverged(BIG);
    });
  }

  // `forward`: all of the change's commands but its last, `netns del d`. In the last two cases that last command fails
  // and the kill comes in the middle of the rollback (after 1 and 4 undo commands).
  const CHANGE_KILLS = [
    { at: 'after 1 command', moment: () => 1 },
    { at: '2 commands before its end', moment: (forward: number) => forward - 2 },
    { at: 'after 1 command of its rollback', moment: (forward: number) => forward + 1, fail: true },
    { at: 'after 4 commands of its rollback', moment: (forward: number) => forward + 4, fail: true },
  ];
  for (const [i, { at, moment, fail }] of CHANGE_KILLS.entries()) {
    it(`kill -9 in a change to an existing lab, ${at}: apply converges; destroy with the edited file removes all`, async () => {
      expectOk(await sb.topo(['apply', BIG]));
      v2Commands ??= await commandsOf(BIG_V2);
      await killedAt(['apply', BIG_V2], moment(v2Commands - 1), fail ? { TOPO_FAIL_COMMAND: 'netns del d' } : {});
      if (i % 2 === 0) await expectConverged(BIG_V2);
      await expectRemoved(BIG_V2); // d and the c <-> br0 pair are not in this file: destroy still finds them
    });
  }

  // The ip engine runs a wide lab's namespaces grouped (io/ns-group.ts), which TOPO_CRASH_AFTER leaves out; the netlink
  // engine makes one request per command in-process, each traced: the kill lands between two requests (every third
  // process of the ip engine's apply, every eleventh request of the netlink engine's (67 of them), up to past the last one).
  for (const [engine, step] of [['ip', 3], ['netlink', 11]] as const) {
    it(`kill -9 from outside as each ${engine === 'ip' ? 'process of a wide (grouped)' : 'request of a wide'} apply starts (${engine} engine): the next apply or destroy converges`, async () => {
      // Eleven namespaces; the test itself sends SIGKILL when topo starts its p-th kernel change (held there through the FIFO).
      const WIDE = fixture('wide.yaml');
      let killed = 0;
      for (let p = 1; ; p += step) {
        const gate = await TraceGate.create();
        try {
          const topo = startTopo(sb, ['apply', WIDE], { ...gate.env, TOPO_ENGINE: engine });
          let n = 0;
          for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
            n += cmds.filter(isChange).length;
            if (n >= p) { process.kill(topo.pid, 'SIGKILL'); break; }
          }
          const r = await topo.done;
          if (r.signal !== 'SIGKILL') { expectOk(r); break; } // p is past the last change: a whole apply ran
          killed++;
        } finally { gate.close(); }
        if (killed % 2) await expectConverged(WIDE);
        await expectRemoved(WIDE);
      }
      expect(killed).toBeGreaterThanOrEqual(3);
    });
  }

  // SIGHUP: the terminal or the ssh session closing (exit 128 + 1, as a shell reports a process killed by it).
  for (const [signal, exit] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} in the middle of an apply: stops after the running step, rolls back (a second ${signal} too), exit ${exit}`, async () => {
      // The signal is sent as the test reads the namespaces' batch from the FIFO; on a loaded machine that batch may
      // end, and topo start the next stage's commands, before the signal arrives (then it stops after those). Such a
      // run is tried again: a topo that never stops after the running step fails every one of the attempts.
      let started: string[][] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const gate = await TraceGate.create();
        started = [];
        try {
          const topo = startTopo(sb, ['apply', BIG], gate.env);
          let sent = 0;
          for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
            started.push(...cmds);
            if (!cmds.some(isChange) || sent === 2) continue;
            // 1st: as the batch that creates the namespaces starts. 2nd: as the rollback's first batch starts.
            process.kill(topo.pid, signal);
            sent++;
          }
          const r = await topo.done;
          expect(sent, `${JSON.stringify(started)}\n${r.exitCode} ${r.stderr}`).toBe(2);
          expect(r.exitCode, r.stderr).toBe(exit);
          expect(r.stderr).toContain(`interrupted by ${signal}: stopped after the running step`);
          expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
          expect(r.stderr).not.toMatch(STACK);
        } finally { gate.close(); }
        expect(await kernelState(sb)).toEqual(empty);
        expect(await stateFiles(sb)).toEqual([]);
        if (started.filter(isChange).length === 2) break; // the namespaces' batch and the rollback's: not raced
      }
      // It stopped: after the namespaces' batch, nothing of the plan started (no batch in a lab namespace).
      expect(started.filter((a) => isChange(a) && a.includes('-n'))).toEqual([]);
      expect(started.filter(isChange)).toEqual([['ip', '-batch', '-'], ['ip', '-batch', '-']]);
      await expectConverged(BIG);
    });
  }
});

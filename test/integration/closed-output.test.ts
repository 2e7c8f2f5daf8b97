// Guarantee: a reader that goes away (`topo apply F | head -1`, `grep -m1`, a CI log step that stops reading)
// never stops an apply or a destroy half way. Output errors (EPIPE) are ignored: the work is finished, or rolled
// back, exactly as with the reader still there, the lock is released and the exit status is the work's. The
// result goes to standard output, progress to standard error.
// The output is closed at exact moments: topo is held between two commands with a FIFO as $TOPO_TRACE_FILE
// while the test closes its end of topo's stdout and stderr pipes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange, TraceGate } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');

interface Spawned { closeOutput(): void; out: string; err: string; done: Promise<number | null> }
const children = new Set<ReturnType<typeof spawn>>();

/** topo in the sandbox with its stdout and stderr on pipes that the test can close (its reader going away). */
function spawnTopo(sb: Sandbox, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', process.execPath, TOPO, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const s: Spawned = {
    out: '', err: '',
    closeOutput: () => { child.stdout!.destroy(); child.stderr!.destroy(); },
    done: new Promise((resolve) => child.once('close', (code) => { children.delete(child); resolve(code); })),
  };
  child.stdout!.on('data', (d: Buffer) => { s.out += d; });
  child.stderr!.on('data', (d: Buffer) => { s.err += d; });
  return s;
}

/**
 * Run topo, holding it before each command, and close its output just before its k-th kernel-changing command
 * (k = 0: before topo has even started). Resolves to topo's exit status.
 */
async function closedAt(sb: Sandbox, args: string[], k: number, env: Record<string, string> = {}): Promise<number | null> {
  const gate = await TraceGate.create();
  try {
    const t = spawnTopo(sb, args, { ...env, ...gate.env });
    if (k === 0) t.closeOutput();
    let changes = 0, closed = k === 0;
    for (let cmds = await gate.next(t.done); cmds; cmds = await gate.next(t.done)) {
      changes += cmds.filter(isChange).length;
      if (!closed && changes >= k) {
        // The running stage's progress line was written before this command: close once it has arrived.
        while (!/namespaces|interfaces|addresses/.test(t.err)) await new Promise((r) => setTimeout(r, 10));
        t.closeOutput();
        closed = true;
      }
    }
    return await t.done;
  } finally { gate.close(); }
}

describe('a closed output never stops an apply or destroy', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    children.clear();
    await sb.close();
  });

  /** The lab exactly as a clean apply leaves it, verified by topo too (an empty plan); no lock left. */
  async function expectApplied() {
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'])).exitCode).toBe(0);
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']);
  }
  async function expectRemoved() {
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]); // no record, no lock
  }

  it('closed before any output, and at the first, a middle and the last command: apply completes, destroy too', async () => {
    const plan = JSON.parse((await sb.topo(['plan', BIG, '--json'])).stdout);
    const n = plan.changes.flatMap((c: { commands: string[][] }) => c.commands).length;
    for (const k of [0, 1, Math.floor(n / 2), n]) {
      expect(await closedAt(sb, ['apply', BIG], k), `apply, output closed at command ${k} of ${n}`).toBe(0);
      await expectApplied();
      expect(await closedAt(sb, ['destroy', BIG], Math.min(k, 1)), `destroy, output closed at ${Math.min(k, 1)}`).toBe(0);
      await expectRemoved();
    }
  });

  it('a failing apply with its output closed still rolls back completely and exits 1', async () => {
    const code = await closedAt(sb, ['apply', BIG], 2, { TOPO_FAIL_COMMAND: '/proc/sys/net/ipv6/conf/all/forwarding' });
    expect(code).toBe(1);
    await expectRemoved();
  });

  it('through a shell: `apply | head -c1`, `apply 2>&1 | head -c1`, `--json | head -c1`, `destroy 2>&1 | head -c1`', async () => {
    // The pipeline's status is topo's own: the group prints it on the shell's stderr, which is not the pipe.
    const piped = async (cmd: string) => {
      const r = await sb.run(['sh', '-c', `{ ${process.execPath} ${TOPO} ${cmd}; echo "topo exit $?" >&2; } | head -c1`]);
      expect(r.stderr, cmd).not.toMatch(STACK);
      expect(r.stderr, cmd).not.toMatch(/EPIPE/);
      return Number(/topo exit (\d+)/.exec(r.stderr)?.[1]);
    };
    expect(await piped(`apply ${BIG}`)).toBe(0);
    await expectApplied();
    expect(await piped(`destroy ${BIG} 2>&1`)).toBe(0);
    await expectRemoved();
    expect(await piped(`apply ${BIG} 2>&1`)).toBe(0);
    await expectApplied();
    expect(await piped(`destroy ${BIG} --json`)).toBe(0);
    await expectRemoved();
    expect(await piped(`apply ${BIG} --json`)).toBe(0);
    await expectApplied();
  });

  it('a result larger than the pipe holds, cut by the reader while topo writes it: `plan --json | head -c1`', async () => {
    const dir = mkdtempSync('/tmp/topo-wide-');
    try {
      const file = `${dir}/wide.yaml`;
      writeFileSync(file, `name: wide\nnamespaces:\n${Array.from({ length: 300 }, (_, i) => `  n${i}: {}\n`).join('')}`);
      const whole = await sb.run(['sh', '-c', `${process.execPath} ${TOPO} plan ${file} --json | wc -c`]);
      expect(Number(whole.stdout.trim())).toBeGreaterThan(128 * 1024); // a pipe holds 64 KiB
      const r = await sb.run(['sh', '-c', `{ ${process.execPath} ${TOPO} plan ${file} --json; echo "topo exit $?" >&2; } | head -c1`]);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).toMatch(/^topo exit 0$/m);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('progress goes to stderr, the result alone to stdout', async () => {
    const r = await sb.topo(['apply', BIG]);
    expectOk(r);
    expect(r.stderr).toMatch(/create namespaces/);
    expect(r.stdout).not.toMatch(/create namespaces|✔|❯/);
    expect(r.stdout).toMatch(/^namespace /);
    expect(r.stdout).toMatch(/Apply complete: \d+ created, \d+ changed, 0 deleted in [\d.]+ s; verified\.$/);
    const d = await sb.topo(['destroy', BIG]);
    expectOk(d);
    expect(d.stderr).toMatch(/delete namespaces/);
    // It changes the host namespace: its plan first (stdout), then the summary line.
    expect(d.stdout).toMatch(/^Destroying lab "big" makes \d+ change\(s\) in the host namespace:\nnamespace host /);
    expect(d.stdout).toMatch(/\nDestroyed lab "big": \d+ object\(s\) removed in [\d.]+ s; verified nothing is left\.$/);
    expect(d.stdout).not.toMatch(/delete namespaces|✔|❯/);
  });
});

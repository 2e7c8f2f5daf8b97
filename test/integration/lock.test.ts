// Guarantee: one writer per lab. A second `topo apply`/`destroy` of a lab that is being applied waits a bounded
// time (--wait SECONDS, default 5) and then exits 75 naming the holder; the lock is the kernel's (flock), so it
// dies with its holder and holds across PID namespaces; different labs run side by side without interfering.
// Waiting is shown as an order of events (the holder is held at a FIFO, so what happens meanwhile happens while it
// holds the lock), never as a duration: how long the wait lasts is flock(1)'s own --timeout (src/io/lock.ts).
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';
import { kernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, stateFiles } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');
const LOCK = '/run/topo/big.lock';

describe('one writer per lab', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  const afterCleanup: (() => void)[] = [];
  afterEach(async () => { killLeftovers(); await sb.close(); for (const f of afterCleanup.splice(0)) f(); });

  /** The pid recorded in big's lock file. */
  async function lockHolderPid(): Promise<number> {
    return JSON.parse((await sb.run(['cat', LOCK])).stdout).pid;
  }

  /** Start `topo apply BIG` and hold it in the middle of its apply (it holds the lock) until release() is called. */
  async function holdApply() {
    const gate = await TraceGate.create();
    const holder = startTopo(sb, ['apply', BIG], gate.env);
    let cmds = await gate.next(holder.done);
    while (cmds && !cmds.some(isChange)) cmds = await gate.next(holder.done);
    expect(cmds, 'the holder reached its first kernel change').toBeTruthy();
    // The holder is now blocked before its next command, holding the lock.
    return {
      holder,
      async release() {
        while (await gate.next(holder.done));
        gate.close();
        return holder.done;
      },
    };
  }

  it('a second apply and a destroy of the same lab wait --wait seconds, then exit 75 naming the holder; nothing of theirs ran', async () => {
    const { holder, release } = await holdApply();
    const trace = '/run/second.trace';
    const second = await sb.topo(['apply', BIG, '--wait', '1'], { TOPO_TRACE_FILE: trace });
    expect(second.exitCode).toBe(75);
    expect(second.stderr).toContain(`error: lab "big" is locked by pid ${holder.pid} (topo apply ${BIG})`);
    expect(second.stderr).toContain('gave up after waiting 1 s');
    expect(await lockHolderPid()).toBe(holder.pid); // it gave up while the holder held the lock
    expect((await sb.run(['cat', trace])).stdout).toBe(''); // not even a read: planning happens under the lock

    const destroy = await sb.topo(['destroy', BIG, '--wait', '0', '--json']);
    expect(destroy.exitCode).toBe(75);
    expect(JSON.parse(destroy.stdout).error).toMatchObject({ code: 'E_LOCKED', holder: { pid: holder.pid, command: `topo apply ${BIG}` } });

    const first = await release();
    expectOk(first);
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']); // the lock is released
  });

  it('the default wait is a few seconds; a waiter gets the lock as soon as the holder finishes', async () => {
    const { holder, release } = await holdApply();
    const blocked = await sb.topo(['apply', BIG]);
    expect(blocked.exitCode).toBe(75);
    expect(blocked.stderr).toContain('gave up after waiting 5 s');
    expect(await lockHolderPid()).toBe(holder.pid);

    // The waiter's first command (a read, made under the lock) must come after the holder was let go.
    const events: string[] = [];
    const gate = await TraceGate.create();
    const waiter = startTopo(sb, ['destroy', BIG, '--wait', '60'], gate.env);
    const firstCommand = gate.next(waiter.done).then((c) => { events.push('the waiter started its first command'); return c; });
    await new Promise((r) => setTimeout(r, 1500)); // time for a waiter that ignored the lock to show it
    expect(await sb.netns()).toEqual(['a', 'b', 'c', 'core', 'd']); // the holder's namespaces; the waiter waits
    expect(await lockHolderPid()).toBe(holder.pid);
    events.push('the holder was let go');
    expectOk(await release());
    expect(await firstCommand).toBeTruthy();
    while (await gate.next(waiter.done));
    gate.close();
    const w = await waiter.done;
    expectOk(w);
    expect(events).toEqual(['the holder was let go', 'the waiter started its first command']);
    expect(w.stdout).toContain('Destroyed lab "big"');
    expect(await sb.netns()).toEqual([]);
    expect(holder.pid).not.toBe(waiter.pid);
  });

  it('concurrent applies of one lab are serialised: all succeed, the result is one clean apply', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => sb.topo(['apply', BIG, '--wait', '60', '--json'])));
    for (const r of runs) expectOk(r);
    expect(runs.filter((r) => JSON.parse(r.stdout).changed)).toHaveLength(1);
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
  });

  it('a lock file left by a killed topo holds nothing; nor does one naming a live process that holds no lock', async () => {
    const killed = await startTopo(sb, ['apply', BIG], { TOPO_CRASH_AFTER: '3' }).done;
    expect(killed.signal).toBe('SIGKILL');
    const left = JSON.parse((await sb.run(['cat', LOCK])).stdout);
    expect(left).toMatchObject({ command: `topo apply ${BIG}` });
    expectOk(await sb.topo(['apply', BIG, '--wait', '0'])); // --wait 0: taken over at once, or it would exit 75
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']);

    // A live process under the recorded pid, but not the one that wrote the lock (another start time).
    const sleeper = sleeperIn(sb);
    try {
      await sb.run(['sh', '-c', `printf '{"pid":%s,"start":"1","boot":"","command":"topo apply gone","since":""}' ${sleeper.pid} > ${LOCK}`]);
      expectOk(await sb.topo(['destroy', BIG, '--wait', '0']));
      expect(await sb.netns()).toEqual([]);
    } finally { sleeper.kill(); }
  });

  it('many processes facing a lock file left behind: exactly one holds the lock at a time', async () => {
    await sb.run(['sh', '-c', `printf '{"pid":999999999,"start":"1","boot":"","command":"topo apply gone","since":""}' > ${LOCK}`]);
    const runs = await Promise.all([1, 2, 3, 4].map(() => sb.topo(['apply', BIG, '--wait', '60', '--json'])));
    for (const r of runs) expectOk(r);
    expect(runs.filter((r) => JSON.parse(r.stdout).changed)).toHaveLength(1);
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']);
  });

  it('a holder killed with -9 releases the lock at once: the next apply takes it without waiting', async () => {
    const { holder, release } = await holdApply();
    process.kill(holder.pid, 'SIGKILL');
    expect((await release()).signal).toBe('SIGKILL');
    expectOk(await sb.topo(['apply', BIG, '--wait', '0']));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']);
  });

  it('a holder in another PID namespace sharing /run (a container with host networking) keeps the lock; the waiter names it', async () => {
    // The holder's own /proc, as in a container; /run shared both ways, so its namespaces show in the sandbox.
    expectOk(await sb.sh('mount --make-shared /run'));
    const gate = await TraceGate.create();
    const holder = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', 'unshare', '--pid', '--fork', '--mount-proc',
      '--propagation', 'unchanged', '--', process.execPath, TOPO, 'apply', BIG], { reject: false, env: gate.env });
    try {
      let cmds = await gate.next(holder);
      while (cmds && !cmds.some(isChange)) cmds = await gate.next(holder);
      expect(cmds, 'the holder reached its first kernel change').toBeTruthy();
      const trace = '/run/second.trace';
      const second = await sb.topo(['apply', BIG, '--wait', '1'], { TOPO_TRACE_FILE: trace });
      expect(second.exitCode, second.stderr).toBe(75);
      // Its pid as its own PID namespace numbers it (1: the first process there), and that it is another one.
      expect(second.stderr).toMatch(new RegExp(`error: lab "big" is locked by pid 1 \\(topo apply ${BIG}\\) in another PID namespace \\(pid:\\[\\d+\\]\\)`));
      expect((await sb.run(['cat', trace])).stdout).toBe('');
      while (await gate.next(holder));
      expect((await holder).exitCode).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      gate.close();
    }
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect(await stateFiles(sb)).toEqual(['big.json', 'groups', 'groups/G']);
  });

  it('with the netlink engine a lock nobody holds is taken in-process (flock(2)), not by a flock process; the ip engine runs flock(1)', async () => {
    // A PATH with the tools an apply of this lab runs (and nsenter, which enters the sandbox), and no flock.
    const bin = mkdtempSync(join(tmpdir(), 'topo-noflock-'));
    afterCleanup.push(() => rmSync(bin, { recursive: true, force: true }));
    for (const t of ['ip', 'nft', 'tee', 'grep', 'nsenter', 'perl']) {
      const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, t)).find((f) => existsSync(f));
      if (found) symlinkSync(found, join(bin, t));
    }
    const file = example('two-namespaces.yaml');
    const noFlock = { PATH: bin };
    const ip = await sb.topo(['apply', file], { ...noFlock, TOPO_ENGINE: 'ip' });
    expect(ip.exitCode, ip.stderr).toBe(1);
    expect(ip.stderr).toContain('cannot lock the lab: the flock command is not installed');
    expect(await sb.netns()).toEqual([]); // refused before anything changed
    expectOk(await sb.topo(['apply', file], { ...noFlock, TOPO_ENGINE: 'netlink' }));
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
    expectOk(await sb.topo(['destroy', file], { ...noFlock, TOPO_ENGINE: 'netlink' }));
    expect(await sb.netns()).toEqual([]);
  });

  it('different labs apply and destroy at the same time without waiting for or touching each other', async () => {
    const { holder, release } = await holdApply(); // lab "big" is locked and half applied
    // (Neither sets a host sysctl that `big` sets too: see docs/guarantees.md on sysctls shared by two labs.)
    const others = ['two-nodes.yaml', 'host-to-namespace.yaml'].map(example);
    // --wait 0: had they waited for big's lock, they would exit 75.
    const applied = await Promise.all(others.map((f) => sb.topo(['apply', f, '--wait', '0'])));
    for (const r of applied) expectOk(r);
    expect(await lockHolderPid()).toBe(holder.pid); // all while big was still held
    expectOk(await release());
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'])).exitCode).toBe(0);
    for (const f of others) expect((await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode).toBe(0);

    const destroyed = await Promise.all(others.map((f) => sb.topo(['destroy', f, '--wait', '0'])));
    for (const r of destroyed) expectOk(r);
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
  });
});

/** A long-lived process in the sandbox whose pid we can put in a lock file. */
function sleeperIn(sb: Sandbox) {
  const p = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', 'sleep', '60'], { reject: false });
  return { pid: p.pid!, kill: () => { p.kill('SIGKILL'); } };
}

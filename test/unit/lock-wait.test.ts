// How long a second apply/destroy waits for a held lab lock (src/io/lock.ts), on a fake clock: it gives up exactly
// when --wait seconds have passed, polls meanwhile, and takes the lock at the first poll after the holder lets go.
// Durations here are the lock's own clock, moved by the test, so a loaded machine can't stretch them; the kernel
// test (test/integration/lock.test.ts) shows the same behaviour between real topo processes as an order of events.
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLabLock, DEFAULT_WAIT_SECONDS, startTimeOf } from '../../src/io/lock.js';
import type { TopoError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'topo-lock-wait-'));
process.env.TOPO_STATE_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOCK = join(dir, 'lab.lock');
/** A lock held by a live process: this one (its pid and start time), as another topo would write it. */
const holder = { pid: process.pid, start: startTimeOf(process.pid)!, boot: '', command: 'topo apply other.yaml', since: '' };

/** The fake clock's time: what the lock code reads as the time now. */
const fakeNow = () => vi.getMockedSystemTime()!.getTime();

type Outcome = { ok: true } | { ok: false; error: TopoError };

/**
 * Drive acquireLabLock on the fake clock: whenever it sleeps (a timer pending), move the clock to that timer.
 * `at(ms)` is called as each sleep begins, so a test can act at a moment of the lock's time.
 * Returns the outcome and the fake times at which it slept.
 */
async function drive(waitSeconds: number, at: (ms: number) => void = () => {}) {
  const t0 = fakeNow();
  let outcome: Outcome | undefined;
  void acquireLabLock('lab', { waitSeconds, command: 'topo apply lab.yaml' }).then(
    async (lock) => { await lock.release(); outcome = { ok: true }; },
    (error: TopoError) => { outcome = { ok: false, error }; },
  );
  const sleeps: number[] = [];
  for (;;) {
    // Real file IO happens between the sleeps: wait (on the real event loop) until it sleeps again or is done.
    while (!outcome && vi.getTimerCount() === 0) await new Promise((r) => setImmediate(r));
    if (outcome) return { outcome, sleeps, endedAt: fakeNow() - t0 };
    sleeps.push(fakeNow() - t0);
    at(fakeNow() - t0);
    vi.advanceTimersToNextTimer();
  }
}

describe('waiting for a held lab lock (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    writeFileSync(LOCK, `${JSON.stringify(holder)}\n`);
  });
  afterEach(() => { vi.useRealTimers(); rmSync(LOCK, { force: true }); });

  it('gives up exactly when --wait seconds have passed, naming the holder; it polled meanwhile, growing to 500 ms', async () => {
    const { outcome, sleeps, endedAt } = await drive(3);
    expect(outcome.ok).toBe(false);
    const { error } = outcome as Extract<Outcome, { ok: false }>;
    expect(error.code).toBe('E_LOCKED');
    expect(error.message).toContain(`locked by pid ${process.pid} (topo apply other.yaml)`);
    expect(error.message).toContain('gave up after waiting 3 s');
    expect(endedAt).toBe(3000);
    expect(sleeps.slice(0, 5)).toEqual([0, 50, 150, 350, 750]); // 50, 100, 200, 400 ms, then every 500 ms
    expect(sleeps.at(-1)).toBeGreaterThanOrEqual(2500);
    expect(readFileSync(LOCK, 'utf8')).toBe(`${JSON.stringify(holder)}\n`); // the holder's lock is left alone
  });

  it(`the default is ${DEFAULT_WAIT_SECONDS} s`, async () => {
    const { outcome, endedAt } = await drive(DEFAULT_WAIT_SECONDS);
    expect(outcome.ok).toBe(false);
    expect(endedAt).toBe(DEFAULT_WAIT_SECONDS * 1000);
  });

  it('--wait 0 gives up at once, without sleeping', async () => {
    const { outcome, sleeps } = await drive(0);
    expect(outcome.ok).toBe(false);
    expect(sleeps).toEqual([]);
  });

  it('takes the lock at the first poll after the holder lets go, within 500 ms of it', async () => {
    let releasedAt = -1;
    const { outcome, sleeps, endedAt } = await drive(60, (ms) => {
      if (releasedAt < 0 && ms >= 2000) { rmSync(LOCK); releasedAt = ms; } // just as a sleep begins
    });
    expect(outcome.ok).toBe(true);
    expect(releasedAt).toBeGreaterThanOrEqual(2000);
    expect(sleeps.at(-1)).toBe(releasedAt); // it didn't sleep again after that one
    expect(endedAt - releasedAt).toBeGreaterThan(0);
    expect(endedAt - releasedAt).toBeLessThanOrEqual(500);
    expect(existsSync(LOCK)).toBe(false); // and released its own lock afterwards
  });
});

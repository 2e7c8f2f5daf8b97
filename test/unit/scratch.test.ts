// Grouped batch scripts live in per-process scratch directories under the state dir; those of a topo that died
// (kill -9) are removed by the next apply or destroy (src/io/scratch.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeScratchDir, removeScratchDir, sweepStale } from '../../src/io/scratch.js';

const state = mkdtempSync(join(tmpdir(), 'topo-scratch-test-'));
process.env.TOPO_STATE_DIR = state;
afterAll(() => rmSync(state, { recursive: true, force: true }));

it("sweepStale removes a dead process's scratch directory, keeps a live one's and this process's", () => {
  const dead = spawnSync('true').pid!; // has exited by now
  const base = join(state, 'scratch');
  mkdirSync(join(base, `${dead}-abc`), { recursive: true });
  mkdirSync(join(base, '1-live')); // PID 1 always runs
  const mine = makeScratchDir();
  expect(existsSync(mine)).toBe(true);
  expect(mine.slice(base.length + 1).startsWith(`${process.pid}-`)).toBe(true);
  sweepStale();
  expect(readdirSync(base).sort()).toEqual(['1-live', mine.slice(base.length + 1)].sort());
});

it('removes the scratch directory itself once the last private one goes', () => {
  const base = join(state, 'scratch');
  rmSync(base, { recursive: true, force: true });
  const a = makeScratchDir(), b = makeScratchDir();
  removeScratchDir(a);
  expect(readdirSync(base)).toEqual([b.slice(base.length + 1)]);
  removeScratchDir(b);
  expect(existsSync(base)).toBe(false);
});

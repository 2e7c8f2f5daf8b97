// The lab's link group is claimed with O_EXCL (src/io/group-claim.ts): two names with the same hash get different
// groups, a lab keeps the group it claimed, plan-time lookups claim nothing, and a released group is free again.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashGroup, nextGroup } from '../../src/core/lab.js';
import { labGroup, releaseGroup } from '../../src/io/group-claim.js';

let dir: string;
const saved = process.env.TOPO_STATE_DIR;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'topo-groups-')); process.env.TOPO_STATE_DIR = join(dir, 'state'); });
afterEach(() => { process.env.TOPO_STATE_DIR = saved; rmSync(dir, { recursive: true, force: true }); });

describe('link group claims', () => {
  it('two names with one hash: the first claims it, the second the next free group', async () => {
    const g = hashGroup('labl7hb');
    expect(hashGroup('labiuah')).toBe(g);
    expect(await labGroup('labiuah', false)).toBe(g); // a lookup: nothing claimed
    expect(readdirSync(dir)).toEqual([]);
    expect(await labGroup('labl7hb', true)).toBe(g);
    expect(await labGroup('labiuah', false)).toBe(nextGroup(g));
    expect(await labGroup('labiuah', true)).toBe(nextGroup(g));
    expect(await labGroup('labl7hb', false)).toBe(g);
    // Once the first lab is gone, the second keeps the group it claimed.
    await releaseGroup('labl7hb');
    expect(await labGroup('labiuah', true)).toBe(nextGroup(g));
    expect(readdirSync(join(dir, 'state', 'groups'))).toEqual([String(nextGroup(g))]);
  });

  it('claims made at the same time by colliding labs are different (each lab claims under its own lock)', async () => {
    const names = ['labl7hb', 'labiuah'];
    const groups = await Promise.all(names.map((n) => labGroup(n, true)));
    expect(new Set(groups).size).toBe(2);
    expect(await Promise.all(names.map((n) => labGroup(n, true)))).toEqual(groups);
  });

  it('the next group stays clear of the default and the low groups', () => {
    expect(nextGroup(0x7fffffff)).toBe(0x10000);
    expect(nextGroup(0x10000)).toBe(0x10001);
  });
});

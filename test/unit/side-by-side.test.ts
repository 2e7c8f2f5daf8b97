// io/run-step-cmds.ts sideBySide: which batches are split to run side by side (only those that make namespaces and
// nothing else, of at least 32 namespaces a part), into how many, and that the parts are the batch, in order.
import { describe, expect, it } from 'vitest';
import type { Step } from '../../src/model.js';
import { sideBySide, type Item } from '../../src/io/run-step-cmds.js';

const step = {} as Step;
const add = (i: number): Item => ({ step, cmd: { ns: 'host', tool: 'ip', args: ['netns', 'add', `n${i}`] } });
const adds = (n: number) => Array.from({ length: n }, (_, i) => add(i));

describe('sideBySide', () => {
  it('splits a batch of netns add lines into up to n parts of at least 32, in order', () => {
    expect(sideBySide(adds(63), 2)).toHaveLength(1);
    expect(sideBySide(adds(64), 2).map((p) => p.length)).toEqual([32, 32]);
    expect(sideBySide(adds(300), 2).map((p) => p.length)).toEqual([150, 150]);
    expect(sideBySide(adds(301), 4).map((p) => p.length)).toEqual([76, 76, 76, 73]);
    expect(sideBySide(adds(100), 4).map((p) => p.length)).toEqual([34, 34, 32]); // 3 parts of at least 32
    const seg = adds(97);
    expect(sideBySide(seg, 3).flat()).toEqual(seg);
  });
  it('one CPU, or any other line in the batch: one batch', () => {
    expect(sideBySide(adds(300), 1)).toHaveLength(1);
    const mixed = [...adds(100), { step, cmd: { ns: 'host', tool: 'ip', args: ['link', 'add', 'x', 'type', 'bridge'] } } as Item];
    expect(sideBySide(mixed, 2)).toEqual([mixed]);
    const del = adds(100).map((it) => ({ ...it, cmd: { ...it.cmd, args: ['netns', 'del', it.cmd.args[2]] } }));
    expect(sideBySide(del, 2)).toEqual([del]);
  });
});

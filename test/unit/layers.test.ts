// Layers import downward only (scripts/layers.mjs says which layers and why). The imports that still go up are
// listed here by name, as debt of the "a kind is one file" issue: a new one fails this test, and so does one of
// these once it is gone (then delete its line), so the list only shrinks.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/sandbox.js';

const KNOWN_DEBT: string[] = [];

describe('layers', () => {
  it('no import goes up a layer, besides the listed debt (which only shrinks)', () => {
    const out = execFileSync(process.execPath, [`${ROOT}scripts/layers.mjs`, '--json'], { encoding: 'utf8' });
    const found = (JSON.parse(out) as { from: string; to: string }[]).map((v) => `${v.from} -> ${v.to}`).sort();
    expect(found).toEqual([...KNOWN_DEBT].sort());
  });
});

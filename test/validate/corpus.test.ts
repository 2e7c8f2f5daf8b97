// Every file of test/fixtures/invalid must be refused: its first line says what the message must contain
// ("# expect: ..."); optional lines give the exact position ("# at: line:col") and options ("# opts: {json}").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, validateText } from '../../src/validate/index.js';

const DIR = join(import.meta.dirname, '../fixtures/invalid');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

function header(bytes: Buffer): { expect: string; at?: string; opts: Record<string, unknown> } {
  const lines = bytes.toString('latin1').split('\n');
  const get = (k: string) => lines.slice(0, 3).find((l) => l.startsWith(`# ${k}: `))?.slice(k.length + 4).trimEnd();
  const exp = get('expect');
  if (!exp) throw new Error('fixture without "# expect:" line');
  return { expect: Buffer.from(exp, 'latin1').toString('utf8'), at: get('at'), opts: JSON.parse(get('opts') ?? '{}') };
}

describe('invalid corpus', () => {
  it('has at least 45 files', () => expect(files.length).toBeGreaterThanOrEqual(45));

  it.each(files)('%s', (name) => {
    const bytes = readFileSync(join(DIR, name));
    const h = header(bytes);
    const r = validateText(bytes, name, h.opts);
    const text = formatProblems(name, r.problems);
    expect(r.topo).toBeUndefined();
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) {
      expect(p.pos!.line).toBeGreaterThanOrEqual(1);
      expect(p.pos!.col).toBeGreaterThanOrEqual(1);
      expect(p.code).toMatch(/^[a-z0-9-]+$/);
    }
    const hit = r.problems.find((p) => p.message.includes(h.expect) || p.hint?.includes(h.expect));
    expect(hit, text).toBeDefined();
    if (h.at) expect(`${hit!.pos!.line}:${hit!.pos!.col}`, text).toBe(h.at);
  });
});

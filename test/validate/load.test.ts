// loadTopology (the file side) and hostile input: huge, deep, binary, random. Nothing may escape as an exception.
import { mkdtempSync, rmSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, InvalidTopology } from '../../src/errors.js';
import { loadTopology, MAX_BYTES, validateText } from '../../src/validate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'topo-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(file: string, opts = {}): Promise<InvalidTopology> {
  const e = await loadTopology(file, opts).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InvalidTopology);
  return e as InvalidTopology;
}

describe('loadTopology', () => {
  it('returns the topology of a valid file', async () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'name: lab\nnamespaces:\n  ns1: {}\n');
    expect(await loadTopology(f)).toEqual({ name: 'lab', namespaces: { ns1: {} } });
  });

  it('throws InvalidTopology (exit 65) with every problem of an invalid file', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'name: Lab\nbridges:\n  br0: { mtu: 1 }\n');
    const e = await loadError(f);
    expect(e.exitCode).toBe(EXIT.INVALID);
    expect(e.file).toBe(f);
    expect(e.problems.map((p) => p.code)).toEqual(['bad-name', 'out-of-range']);
  });

  it('passes nftAvailable on', async () => {
    const f = join(dir, 'nat.yaml');
    writeFileSync(f, 'name: lab\nnamespaces:\n  ns1:\n    nat: { masquerade: [{ out: lo }] }\n');
    expect((await loadError(f, { nftAvailable: false })).problems[0].code).toBe('nft-missing');
  });

  it('a missing file is a problem with a clear message', async () => {
    const e = await loadError(join(dir, 'nope.yaml'));
    expect(e.problems).toEqual([{ code: 'file-not-found', message: `file not found: ${join(dir, 'nope.yaml')}` }]);
  });

  it('a device or pipe is read up to the cap, not forever', async () => {
    const e = await loadError('/dev/zero');
    expect(e.problems[0].message).toBe('the file is larger than the limit; topology files are limited to 5.0 MB');
  });

  it('a directory is a problem', async () => {
    mkdirSync(join(dir, 'd.yaml'));
    expect((await loadError(join(dir, 'd.yaml'))).problems[0].code).toBe('not-a-file');
  });

  it('a file over the size cap is refused without reading it', async () => {
    const f = join(dir, 'huge.yaml');
    writeFileSync(f, '');
    truncateSync(f, MAX_BYTES + 1); // sparse: nothing is written
    const e = await loadError(f);
    expect(e.problems[0].code).toBe('too-large');
    expect(e.problems[0].pos).toEqual({ line: 1, col: 1 });
  });
});

describe('hostile input', () => {
  it('a huge text is refused before parsing', () => {
    const text = 'name: lab\nnamespaces:\n' + '  n: {}\n'.repeat(Math.ceil(MAX_BYTES / 8) + 10);
    const r = validateText(text, 'huge.yaml');
    expect(r.problems[0].code).toBe('too-large');
    expect(r.problems[0].message).toMatch(/^the file is 5\.0 MB; topology files are limited to 5\.0 MB$/);
    expect(validateText(Buffer.from(text), 'huge.yaml').problems[0].code).toBe('too-large');
    // Not parsed: broken YAML from its second line on (a parser would report that, or that it is too deep) gives
    // the size problem alone, at 1:1.
    const broken = `name: lab\n${'{[: '.repeat(Math.ceil(MAX_BYTES / 4) + 10)}`;
    for (const input of [broken, Buffer.from(broken)]) {
      const ps = validateText(input, 'huge.yaml').problems;
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatchObject({ code: 'too-large', pos: { line: 1, col: 1 }, message: 'the file is 5.0 MB; topology files are limited to 5.0 MB' });
    }
  });

  it('10000 nested [ and 10000 nested { give a problem, not a stack overflow', () => {
    for (const open of ['[', '{', '- ']) {
      const r = validateText(`name: lab\nx: ${open.repeat(10000)}\n`, 'deep.yaml');
      expect(r.problems.length).toBe(1);
      expect(r.problems[0].code).toBe('too-deep');
    }
  });

  it('a block structure nested 3000 deep gives a problem', () => {
    const text = 'name: lab\n' + Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + '\n';
    const r = validateText(text, 'deep.yaml');
    expect(r.problems[0].code).toBe('too-deep');
  });

  it('an alias bomb fails fast', () => {
    // 30 levels of 10 aliases: expanded, 10^30 values. That the check returns at all shows nothing was expanded.
    const lines = ['name: lab', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 30; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const r = validateText(lines.join('\n'), 'bomb.yaml');
    expect(r.problems[0].code).toBe('alias-limit');
  });

  it('random text never throws and every problem has a position', () => {
    const keys = fc.constantFrom('name', 'namespaces', 'bridges', 'veths', 'tests', 'ends', 'routes', 'to', 'via', 'dev', '- ', ': ', '{', '}', '[', ']', '&a ', '*a', '\n', '  ', '\t', '"', "'", '#', '---', '\u0000', '10.0.0.1/24');
    const yamlish = fc.array(fc.oneof(keys, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(fc.property(fc.oneof(yamlish, fc.string({ maxLength: 200 })), (text) => {
      const r = validateText(text, 'x.yaml');
      if (r.topo) return r.problems.length === 0;
      return r.problems.length > 0 && r.problems.every((p) => p.pos !== undefined && p.pos.line >= 1 && p.pos.col >= 1);
    }), { numRuns: 300 });
  });

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = validateText(Buffer.from(bytes), 'x.yaml');
      return r.topo !== undefined || r.problems.every((p) => p.pos!.line >= 1 && p.pos!.col >= 1);
    }), { numRuns: 300 });
  });
});

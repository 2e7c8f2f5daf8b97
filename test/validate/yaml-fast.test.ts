// The fast path (js-yaml) against the slow one (parseSource): whenever fastParse gives data, it must be exactly
// parseSource's data, and parseSource must find nothing wrong with the text. Corpus files, every plain-scalar
// notation, generated documents, and the texts that must go the slow way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { starYaml } from '../../bench/star.js';
import { decodeInput } from '../../src/validate/decode.js';
import { fastParse } from '../../src/validate/yaml-fast.js';
import { CORE_SCALARS, coreScalarOf } from '../../src/validate/yaml-core-scalars.js';
import { LIMITS, parseSource } from '../../src/validate/yaml-source.js';

const ROOT = join(import.meta.dirname, '../..');

/** The .yaml files under a directory of the repository, recursively. */
function yamlFiles(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)).sort();
}

/** The fast path's data, after checking it against the slow path (undefined: the fast path declined). */
function sameAsSlow(text: string): Record<string, unknown> | undefined {
  const fast = fastParse(text);
  if (fast === undefined) return undefined;
  const slow = parseSource(text);
  expect(slow.problems, JSON.stringify(text)).toEqual([]);
  expect(fast, JSON.stringify(text)).toStrictEqual(slow.data);
  return fast;
}

describe('fastParse on the corpus', () => {
  const files = [...yamlFiles('examples'), ...yamlFiles('test/validate/fixtures'), ...yamlFiles('test/fixtures')];

  it('covers the examples and both fixture trees', () => expect(files.length).toBeGreaterThan(100));

  it.each(files)('%s', (file) => {
    const dec = decodeInput(readFileSync(join(ROOT, file)));
    if (dec.problem) return; // refused before any YAML parsing
    const fast = sameAsSlow(dec.text);
    if (file.startsWith('examples/')) expect(fast).toBeDefined(); // the examples are plain YAML
  });

  it("takes the fast path for the bench's star lab", () => expect(sameAsSlow(starYaml(200))).toBeDefined());
});

/** Plain scalars in every notation the core schema knows, and near misses of each. */
const NOTATIONS = [
  '0', '-0', '+0', '00', '010', '0010', '1', '+1', '-1', '1_000', '1,000', '123456789012345678901234567890',
  '0o17', '0o', '0O17', '0o8', '-0o17', '0x1F', '0x1f', '0X1F', '0x', '-0x1F', '0xG', '0b1', '0b101', '0B1',
  '1e3', '1E3', '1e+3', '1e-3', '-1e3', '1.5e3', '.5e3', '1.e3', '1e', 'e3', '1e400', '-1e400', '.5', '+.5', '-.5', '5.', '1.0', '1.50', '1.2.3', '.', '..',
  '.inf', '.Inf', '.INF', '+.inf', '-.inf', '.iNf', 'inf', 'Infinity', '.nan', '.NaN', '.NAN', '-.nan', 'nan', 'NaN',
  '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'yes', 'Yes', 'no', 'on', 'off', 'y', 'n',
  '1:2', '1:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '12:30', '10.0.0.1', '10.0.0.1/24', 'fd00::1/64', '::1', 'a-b', '-a', '.a', '_1', '1_', '__proto__',
];

const quoted = (s: string, q: string): string => (q === '"' ? JSON.stringify(s) : q === "'" ? `'${s.replace(/'/g, "''")}'` : s);

describe('fastParse on every plain-scalar notation', () => {
  it.each(NOTATIONS)('%s', (s) => {
    for (const q of ['', "'", '"']) {
      const v = quoted(s, q);
      sameAsSlow(`a: ${v}\n`);
      sameAsSlow(`a: [${v}, {b: ${v}}]\n`);
      sameAsSlow(`a:\n  - ${v}\n  - b: ${v}\n`);
      sameAsSlow(`${v}: a\n`);
      sameAsSlow(`a: {${v}: b}\n`);
      sameAsSlow(`a: [${v}: b]\n`);
    }
  });

  it('resolves them as the core schema does (the fast path is taken for plain values)', () => {
    expect(fastParse('a: [0o17, 0x1F, 1_000, 0b1, 1e3, .5, +1, -0, .inf, .NaN, ~, Null, TRUE, yes, 010, 1:2, 2001-12-14]\n')).toStrictEqual({
      a: [15, 31, '1_000', '0b1', 1000, 0.5, 1, -0, Infinity, NaN, null, null, true, 'yes', 10, '1:2', '2001-12-14'],
    });
  });
});

describe('coreScalarOf (the fast path\'s resolution of plain scalars)', () => {
  it('its test of the first character lets through every text of every core scalar, and names the first that takes it', () => {
    for (const [i, t] of CORE_SCALARS.entries()) {
      fc.assert(fc.property(fc.stringMatching(t.test), (s) => {
        expect(coreScalarOf(s), s).toBe(CORE_SCALARS.find((u) => u.test.test(s)));
        expect(CORE_SCALARS.indexOf(coreScalarOf(s)!), s).toBeLessThanOrEqual(i);
      }), { numRuns: 300 });
    }
  });

  it('any other text is a string', () => {
    fc.assert(fc.property(fc.string(), (s) => { expect(coreScalarOf(s)).toBe(CORE_SCALARS.find((t) => t.test.test(s))); }), { numRuns: 3000 });
  });
});

describe('fastParse on generated documents', () => {
  const digits = (radix: number) => fc.nat().map((n) => n.toString(radix));
  const plain = fc.oneof(
    fc.constantFrom(...NOTATIONS),
    fc.integer().map(String),
    fc.double().map(String),
    digits(8).map((d) => `0o${d}`),
    digits(16).map((d) => `0x${d}`),
    digits(2).map((d) => `0b${d}`),
    fc.array(fc.nat(999), { minLength: 1, maxLength: 3 }).map((a) => a.join('_')),
    fc.tuple(fc.constantFrom('', '+', '-'), fc.nat(99), fc.constantFrom('', '.', '.5'), fc.constantFrom('', 'e3', 'E-2', 'e+10')).map((p) => p.join('')),
    fc.string({ unit: fc.constantFrom('0', '1', '7', '9', 'a', 'e', 'x', 'o', 'b', 'n', 'f', '.', '-', '+', '_', ':', '~', ' '), minLength: 1, maxLength: 6 }),
  );
  const scalar = fc.tuple(plain, fc.constantFrom('', '', "'", '"')).map(([s, q]) => quoted(s, q));
  const key = fc.oneof({ arbitrary: fc.constantFrom('a', 'b', 'c', 'name', '"q"', "'s'", 'x y', '__proto__'), weight: 4 }, { arbitrary: scalar, weight: 1 });
  type Tree = string | { seq: Tree[] } | { map: [string, Tree][] };
  const { tree } = fc.letrec<{ tree: Tree }>((t) => ({
    tree: fc.oneof({ depthSize: 'small' }, scalar,
      fc.array(t('tree'), { maxLength: 3 }).map((seq) => ({ seq })),
      fc.array(fc.tuple(key, t('tree')), { maxLength: 3 }).map((map) => ({ map }))),
  }));
  const flow = (v: Tree): string => typeof v === 'string' ? v
    : 'seq' in v ? `[${v.seq.map(flow).join(', ')}]` : `{ ${v.map.map(([k, x]) => `${k}: ${flow(x)}`).join(', ')} }`;
  /** Block style below a key or dash at indentation `ind` (flow style for scalars and empty collections). */
  const block = (v: Tree, ind: number): string => {
    const pad = '\n' + ' '.repeat(ind + 2);
    if (typeof v === 'string' || ('seq' in v ? v.seq : v.map).length === 0) return ` ${flow(v)}`;
    return 'seq' in v ? v.seq.map((x) => `${pad}-${block(x, ind + 2)}`).join('') : v.map.map(([k, x]) => `${pad}${k}:${block(x, ind + 2)}`).join('');
  };
  const doc = fc.tuple(fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([entries, inFlow]) => entries.map(([k, v]) => `${k}:${inFlow ? ` ${flow(v)}` : block(v, 0)}`).join('\n') + '\n');

  it("gives the slow path's data or declines (and mostly takes the fast path)", () => {
    let fast = 0;
    fc.assert(fc.property(doc, (text) => { if (sameAsSlow(text)) fast++; }), { numRuns: 3000 });
    expect(fast).toBeGreaterThan(600);
  });

  it('gives the slow path\'s data or declines on slightly broken documents', () => {
    const examples = yamlFiles('examples').map((f) => readFileSync(join(ROOT, f), 'utf8'));
    const base = fc.oneof(fc.constantFrom(...examples), doc);
    const edit = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'),
      fc.constantFrom(' ', '  ', '\n', '\n ', ':', ': ', '-', '- ', ',', '#', ' #', '[', ']', '{', '}', '"', "'", '\\', 'x', '0'));
    const broken = fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => edits.reduce((t, [at, op, ch]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + (op === 'delete' ? '' : ch) + t.slice(op === 'insert' ? i : i + 1);
    }, text));
    fc.assert(fc.property(broken, (text) => { sameAsSlow(text); }), { numRuns: 2000 });
  });
});

describe('fastParse declines', () => {
  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a local tag', 'a: !foo x\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key written two ways', 'a: 1\n"a": 2\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['an explicit key', '? a\n: b\n'],
    ['a merge key', 'a: { x: 1 }\nb:\n  <<: { y: 2 }\n'],
    ['a block scalar', 'a: |\n  x\n'],
    ['a byte-order mark', '\uFEFFa: 1\n'],
    ['a list at the top', '- a\n'],
    ['a scalar at the top', 'a\n'],
    ['an empty text', ''],
    ['a number as a key', '1: a\n'],
    ['an octal-looking key', '010: a\n'],
    ['a null key', '~: a\n'],
    ['a NaN key', '.nan: a\n'],
    ['a collection as a key', '[a]: b\n'],
    ['a collection as a key in a flow mapping', 'a: { [b], c: d }\n'],
    ['a syntax error', 'a: [b\n'],
    // texts that js-yaml reads without complaint but differently from yaml (found by differential fuzzing)
    ['a multi-line quoted scalar (js-yaml keeps the space before the fold)', 'a: "a \n  b"\n'],
    ['an empty entry of a compact nested sequence', 'a:\n - - # c\n - y\n'],
    ['an empty entry followed by a less indented one', 'a:\n - x\n -\n- y\n'],
    ['a comment glued to a flow collection', 'a: [b]#c\n'],
    ['a "#x" comment line before a value', 'k:\n#b\n  x\nn: s\n'],
    ['a comment line at column 0 inside a flow collection', 'a: {\n b: 1\n# c\n }\n'],
  ])('%s', (_, text) => {
    expect(fastParse(text)).toBeUndefined();
  });

  it('nesting deeper than LIMITS.depth', () => {
    const deep = (n: number) => `a: ${'['.repeat(n)}1${']'.repeat(n)}\n`;
    expect(fastParse(deep(LIMITS.depth - 1))).toBeDefined();
    expect(fastParse(deep(LIMITS.depth))).toBeUndefined();
    expect(parseSource(deep(LIMITS.depth)).problems[0].code).toBe('too-deep');
  });

  it('more than LIMITS.nodes values', () => {
    const row = ` [${Array(400).fill(0).join(',')}],\n`; // 401 values on a line of ordinary length
    const rows = (n: number) => `a: [\n${row.repeat(n)} 0]\n`;
    expect(fastParse(rows(10))).toBeDefined();
    expect(fastParse(rows(Math.ceil(LIMITS.nodes / 401)))).toBeUndefined();
  });
});

describe('start-up cost', () => {
  it('a valid file in plain YAML is loaded without loading the yaml package (~50 ms of every command)', async () => {
    // The source as Node would run it (esbuild, as scripts/bundle.mjs does, packages left in node_modules), so this
    // needs no build: which modules load is decided by the source's imports.
    const { build } = await import('esbuild');
    const { execFileSync } = await import('node:child_process');
    const entry = `import { createRequire } from 'node:module';
      import { loadTopology } from './src/validate/index.ts';
      await loadTopology('examples/bridge-node.yaml');
      const cached = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(cached.filter((f) => f.includes('/node_modules/yaml/')).length));`;
    const bundled = await build({
      stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, packages: 'external', platform: 'node',
      format: 'esm', target: 'node20', write: false, logLevel: 'silent',
    });
    // On stdin: the bundle is larger than one argument may be (E2BIG past 128 KiB).
    const out = execFileSync(process.execPath, ['--input-type=module'], { cwd: ROOT, encoding: 'utf8', input: bundled.outputFiles[0].text });
    expect(JSON.parse(out)).toBe(0);
  });
});

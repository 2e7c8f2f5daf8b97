// The layers of src/ and the imports between them. Layers import downward only:
//   base (model.ts, errors.ts) < core (the pure pipeline) < kinds (the resource kinds, pure) < validate, io < ops < render
//   < api (the library: what the CLI does, as calls returning documents) < remote (the fan-out: topo on every host,
//   over ssh) < cli
// and, besides the order, render never imports io (rendering takes data, it doesn't run anything), and io never
// imports kinds (it runs and reads what it is given; what a kind needs read reaches it as data or a callback).
// A folder inside a layer is that layer (io/netlink, the in-process netlink engine, is io).
// `node scripts/layers.mjs` prints every import that breaks this; test/unit/layers.test.ts runs the same check.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const RANK = { base: 0, core: 1, kinds: 2, validate: 3, io: 3, ops: 4, render: 5, api: 6, remote: 7, cli: 8 };
const FORBIDDEN = [['render', 'io'], ['io', 'kinds']];

export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The layer of a file under src/: its top folder, or base for the files at the root. */
export function layerOf(rel) {
  const top = rel.split('/')[0];
  return rel.includes('/') ? top : 'base';
}

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

/** Every import (static, type-only, dynamic, re-export) of every file under src/ that goes to another layer. */
export function imports(src = SRC) {
  const out = [];
  for (const file of files(src)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const from = relative(src, file);
      const to = relative(src, resolve(dirname(file), fileName)).replace(/\.js$/, '.ts');
      out.push({ from, to, fromLayer: layerOf(from), toLayer: layerOf(to) });
    }
  }
  return out;
}

/** Imports that go up (or sideways into a layer of the same rank), or that a rule forbids. */
export function violations(src = SRC) {
  return imports(src).filter(({ fromLayer: a, toLayer: b }) => a !== b
    && (RANK[b] >= RANK[a] || FORBIDDEN.some(([x, y]) => x === a && y === b)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const v = violations();
  if (process.argv.includes('--json')) { console.log(JSON.stringify(v)); process.exit(0); }
  for (const { from, to, fromLayer, toLayer } of v) console.log(`${from} -> ${to}  (${fromLayer} imports ${toLayer})`);
  console.log(v.length ? `${v.length} upward import(s)` : 'layers: every import goes downward');
  process.exitCode = v.length ? 1 : 0;
}

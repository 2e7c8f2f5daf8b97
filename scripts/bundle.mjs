// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) and its dependencies into one CommonJS file,
// dist/topo.cjs, then saves V8's code cache of it, dist/topo.cache, after a warm-up run; bin/topo.js loads the two
// through bin/load-bundle.js. One file instead of ~150 modules saves about 50 ms of every command, the cache
// another ~40 (docs/performance.md, items 12 and 18). A command's own code is still evaluated only when it runs
// (esbuild turns the dynamic imports of topo's modules into lazy initialisers). The bundle must hold no import() left
// for Node to resolve: a script compiled by vm.Script has no loader for it, so the build fails on one. Modules
// that topo loads with require() at run time (the `yaml` package, only when there is a problem to place; ajv's
// runtime helpers in the generated validator) stay outside and are found in node_modules as before. koffi (the
// netlink engine's FFI, an optional dependency with a native binary) stays outside too: loaded with require() when
// the engine starts, and where it is missing topo reads through `ip`.
// The library (dist/src/api/index.js, the package's `exports`) is bundled as an ES module into dist/api.mjs; its
// types are tsc's declarations, dist/src/api/index.d.ts and what it imports.
import { build } from 'esbuild';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { BUNDLE, CODE_CACHE, loadBundle } from '../bin/load-bundle.js';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', external: ['koffi'] };
await build({
  ...common, format: 'cjs', entryPoints: ['dist/src/cli/main.js'], outfile: BUNDLE,
  // The modules' own URL, which they use to find files beside them (node_modules, bin/topo.js), is the bundle's.
  define: { 'import.meta.url': 'topoBundleUrl' },
  banner: { js: "const topoBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
const left = readFileSync(BUNDLE, 'utf8').match(/\bimport\((?:"[^"]*"|'[^']*'|[^)]*)\)/g);
if (left) throw new Error(`${BUNDLE}: import() left in the bundle (${[...new Set(left)].join(', ')}): import the module statically`);
await build({
  ...common, format: 'esm', entryPoints: ['dist/src/api/index.js'], outfile: 'dist/api.mjs',
  // CommonJS dependencies (commander, ajv) call require(): give the bundle one.
  banner: { js: "import { createRequire as topoCreateRequire } from 'node:module'; const require = topoCreateRequire(import.meta.url);" },
});

const { exports, script } = loadBundle({ useCache: false });
const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`);
if (!await exports.warmUp(examples)) throw new Error('code cache: the warm-up planned none of the examples');
writeFileSync(`${CODE_CACHE}.tmp`, script.createCachedData());
renameSync(`${CODE_CACHE}.tmp`, CODE_CACHE);

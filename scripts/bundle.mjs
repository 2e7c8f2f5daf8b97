// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) and its dependencies into one ES module,
// dist/topo.mjs, which bin/topo.js runs: Node then loads one file instead of ~150 modules (about 50 ms of every
// command, see docs/performance.md). A command's own code is still evaluated only when it runs (esbuild keeps
// the dynamic imports lazy). Modules that topo loads with require() at run time (the `yaml` package, only when
// there is a problem to place; ajv's runtime helpers in the generated validator) stay outside and are found in
// node_modules as before. koffi (the netlink engine's FFI, an optional dependency with a native binary) stays
// outside too: loaded with require() when the engine starts, and where it is missing topo reads through `ip`.
// The library (dist/src/api/index.js, the package's `exports`) is bundled the same way into dist/api.mjs; its types
// are tsc's declarations, dist/src/api/index.d.ts and what it imports.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander, ajv) call require(): give the bundle one.
  banner: { js: "import { createRequire as topoCreateRequire } from 'node:module'; const require = topoCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  external: ['koffi'],
};
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/topo.mjs' });
await build({ ...common, entryPoints: ['dist/src/api/index.js'], outfile: 'dist/api.mjs' });

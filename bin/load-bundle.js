// Loads the CLI's bundle, dist/topo.cjs (scripts/bundle.mjs builds it from src/), with V8's code cache of it,
// dist/topo.cache, which the build saves after a warm-up run: the functions the commands use then need neither
// parsing nor compiling at each start (docs/performance.md, item 18). Node 20 has no module compile cache, so the
// bundle is CommonJS run through vm.Script, which takes one. The cache sits beside the bundle and is trusted as
// much as it is; V8 rejects a cache made by another Node or for another bundle (the bundle then compiles as
// usual), and `topo --version` says which happened. bin/topo.js and the build both load the bundle through here.
// CommonJS, as everything in bin/ (bin/package.json): Node then starts without its ES module loader.
const { readFileSync } = require('node:fs');
const { createRequire, Module } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'topo.cjs');
const CODE_CACHE = join(__dirname, '..', 'dist', 'topo.cache');

/** Runs the bundle's top level and returns its exports ({ main, warmUp }), the compiled script, and the cache's fate. */
function loadBundle({ useCache = true } = {}) {
  let cachedData;
  if (useCache) {
    try { cachedData = readFileSync(CODE_CACHE); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  }
  const script = new Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { exports: module.exports, script, cache };
}

module.exports = { BUNDLE, CODE_CACHE, loadBundle };

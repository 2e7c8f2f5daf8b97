#!/usr/bin/env node
// The CLI: the bundle built by `npm run build` (scripts/bundle.mjs; its source is src/cli/main.ts), loaded with its
// code cache (bin/load-bundle.js). A checkout that was never built (no dist/) gets a sentence saying how to build
// it, not a module-not-found trace.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { BUNDLE, loadBundle } = require('./load-bundle.js');

if (!existsSync(BUNDLE)) {
  process.stderr.write(`topo is not built: run \`npm run build\` in ${join(__dirname, '..')}/ (npm ci and npm install build it too)\n`);
  process.exit(1);
}
const { exports: cli, cache } = loadBundle();
cli.main(process.argv, cache);

#!/usr/bin/env node
// The CLI: the bundle built by `npm run build` (scripts/bundle.mjs; its source is src/cli/main.ts), loaded with its
// code cache (bin/load-bundle.js). A checkout that was never built (no dist/) gets a sentence saying how to build
// it, not a module-not-found trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLE, loadBundle } from './load-bundle.js';

if (!existsSync(BUNDLE)) {
  process.stderr.write(`topo is not built: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))} (npm ci and npm install build it too)\n`);
  process.exit(1);
}
const { exports, cache } = loadBundle();
await exports.main(process.argv, cache);

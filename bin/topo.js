#!/usr/bin/env node
// The CLI, bundled into one module by `npm run build` (scripts/bundle.mjs); its source is src/cli/main.ts.
// A checkout that was never built (no dist/) gets a sentence saying how to build it, not a module-not-found trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/topo.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(`topo is not built: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))} (npm ci and npm install build it too)\n`);
  process.exit(1);
}
await import(bundle.href);

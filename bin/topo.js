#!/usr/bin/env node
// The CLI, bundled into one module by `npm run build` (scripts/bundle.mjs); its source is src/cli/main.ts.
import '../dist/topo.mjs';

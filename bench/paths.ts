// Where the repository is, whether the benchmark runs from bench/*.ts (vitest) or dist/bench/*.js (npm run bench).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function findRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bin', 'topo.js'))) return d;
    if (dirname(d) === d) throw new Error(`benchmark: repository root not found above ${from}`);
  }
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const TOPO = join(ROOT, 'bin', 'topo.js');
export const RSS_HOOK = pathToFileURL(join(ROOT, 'bench', 'rss-hook.mjs')).href;
export const EXAMPLE = join(ROOT, 'examples', 'bridge-node.yaml');

// bin/topo.js in a checkout that was never built: a sentence saying how to build it, exit 1 — not Node's
// ERR_MODULE_NOT_FOUND trace (the built case is every CLI test); --version; and the bundle without its code cache,
// or with one V8 refuses, still runs, and --version says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { VERSION } from '../../src/cli/version.js';
import { CLI_FILES, ROOT } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'topo-unbuilt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says how to build topo when dist/ is missing', () => {
  mkdirSync(join(dir, 'bin'));
  for (const f of ['topo.js', 'load-bundle.js', 'package.json']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json')); // "type": "module", as in the checkout
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'topo.js'), '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`topo is not built: run \`npm run build\` in ${dir}/ (npm ci and npm install build it too)\n`);
});

it('--version prints package.json\'s version, then the engine, then that the build\'s code cache was used (the built CLI)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  expect(execFileSync(process.execPath, [join(ROOT, 'bin', 'topo.js'), '--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^${pkg.version}\nengine: .*\ncode cache: used\n$`));
});

it('without dist/topo.cache, or with a cache V8 refuses, the bundle compiles as usual and --version says which', () => {
  const copy = join(dir, 'copy');
  for (const d of ['bin', 'dist']) mkdirSync(join(copy, d), { recursive: true });
  for (const f of CLI_FILES) copyFileSync(join(ROOT, f), join(copy, f));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const run = (...args: string[]) => spawnSync(process.execPath, [join(copy, 'bin', 'topo.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  expect(run('--version').stdout).toMatch(/\ncode cache: used\n$/);
  rmSync(join(copy, 'dist', 'topo.cache'));
  expect(run('--version').stdout).toMatch(/\ncode cache: none \(dist\/topo\.cache is missing: `npm run build` makes it\)\n$/);
  writeFileSync(join(copy, 'dist', 'topo.cache'), readFileSync(join(ROOT, 'dist', 'topo.cache')).subarray(0, 4096));
  expect(run('--version').stdout).toMatch(/\ncode cache: rejected \(made by another Node or for another build: the bundle was compiled instead\)\n$/);
  const validated = run('validate', 'examples/bridge-node.yaml');
  expect([validated.status, validated.stdout]).toEqual([0, 'examples/bridge-node.yaml: valid (lab "bridge-node")\n']);
});

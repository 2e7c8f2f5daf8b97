// bin/topo.js in a checkout that was never built: a sentence saying how to build it, exit 1 — not Node's
// ERR_MODULE_NOT_FOUND trace (the built case is every CLI test); and --version.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { VERSION } from '../../src/cli/version.js';
import { ROOT } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'topo-unbuilt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says how to build topo when dist/ is missing', () => {
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'topo.js'), join(dir, 'bin', 'topo.js'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json')); // "type": "module", as in the checkout
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'topo.js'), '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`topo is not built: run \`npm run build\` in ${dir}/ (npm ci and npm install build it too)\n`);
});

it('--version prints package.json\'s version, then the engine (the built CLI)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  expect(execFileSync(process.execPath, [join(ROOT, 'bin', 'topo.js'), '--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^${pkg.version}\nengine: .*\n$`));
});

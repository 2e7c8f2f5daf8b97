// The installable package: `npm pack` holds the built CLI, the library and its types (dist/), not the sources or the
// tests; installed globally from the tarball into a scratch prefix, it gives a working `topo` command and a library
// that a user's program imports by the package's name, typed (a user's TypeScript file is checked against it).
// Needs the build (npm test builds first); no root, and nothing here touches the kernel.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';
import { VERSION } from '../../src/cli/version.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

it('npm pack, then npm i -g of the tarball: `topo --version` runs, the library imports by name with its types', async () => {
  const dir = scratchDir('topo-pack');
  // --ignore-scripts: the build is the one under test (prepare would rebuild dist/ under the other tests' feet).
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const paths = files.map((f) => f.path);
  expect(paths).toEqual(expect.arrayContaining(['bin/topo.js', 'bin/load-bundle.js', 'bin/package.json', 'dist/topo.cjs', 'dist/topo.cache', 'dist/api.mjs', 'dist/src/api/index.d.ts', 'package.json', 'README.md']));
  // Only what runs or types it: no TypeScript sources, tests, source maps or compiled modules beside the bundles.
  for (const p of paths) expect(p).toMatch(/^(bin\/(topo\.js|load-bundle\.js|package\.json)|dist\/(topo\.cjs|topo\.cache|api\.mjs)|dist\/src\/.*\.d\.ts|package\.json|README\.md|schemas\/topology\.schema\.json)$/);

  const prefix = join(dir, 'prefix');
  const installed = await execa('npm', ['i', '-g', '--prefix', prefix, join(dir, filename), '--prefer-offline', '--no-audit', '--no-fund'], { reject: false });
  expect(installed.exitCode, installed.stderr).toBe(0);
  const version = await execa(join(prefix, 'bin/topo'), ['--version']);
  expect(version.stdout.split('\n')[0]).toBe(VERSION);
  expect(version.stdout.split('\n')[2]).toBe('code cache: used');

  // A user's project: the installed package in its node_modules.
  const user = join(dir, 'user');
  mkdirSync(join(user, 'node_modules'), { recursive: true });
  symlinkSync(join(prefix, 'lib/node_modules', pkg.name), join(user, 'node_modules', pkg.name));
  writeFileSync(join(user, 'use.mjs'), `import { load, up, InvalidTopology } from '${pkg.name}';
try { await load({ yaml: 'name: x\\nnamespaces: 3\\n' }); } catch (e) { console.log(JSON.stringify({ typed: e instanceof InvalidTopology, code: e.code, problem: e.problems[0], up: typeof up })); }
`);
  const used = await execa(process.execPath, ['use.mjs'], { cwd: user });
  expect(JSON.parse(used.stdout)).toEqual({ typed: true, code: 'E_INVALID', up: 'function',
    problem: { code: 'wrong-type', message: '"namespaces" must be a mapping, not the number 3', path: '/namespaces', pos: { line: 2, col: 13 } } });

  // Its types, as a user's compiler sees them: `await using` on a Lab, events, exec's options; a wrong source is
  // an error (the @ts-expect-error would itself be an error were the types missing or `any`).
  writeFileSync(join(user, 'use.ts'), `import { up, type Lab, type TopoEvent } from '${pkg.name}';
export async function run(): Promise<number> {
  const seen: TopoEvent['type'][] = [];
  await using lab: Lab = await up({ file: 'lab.yaml' }, { sandbox: true, onEvent: (e) => { seen.push(e.type); } });
  const r = await lab.exec('client', ['true'], { stdio: 'pipe', timeoutMs: 1000 });
  // @ts-expect-error: a source is { file }, { yaml } or { object }
  await up({ path: 'lab.yaml' });
  return r.exitCode + seen.length;
}
`);
  const tsc = await execa(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), 'use.ts'],
  { cwd: user, reject: false });
  expect(tsc.exitCode, tsc.stdout).toBe(0);
});

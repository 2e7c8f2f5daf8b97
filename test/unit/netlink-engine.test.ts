// Which engine reads the kernel, as `topo --version` says (the built CLI): netlink where koffi loads, ip when
// TOPO_ENGINE=ip asks for it, an error for an engine that isn't one; and the bundle copied where koffi is not
// installed still runs, and says it reads through ip (and why).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { VERSION } from '../../src/cli/version.js';
import { CLI_FILES, ROOT } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'topo-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const version = (bin: string, env: Record<string, string> = {}) => {
  const { TOPO_ENGINE: _, ...rest } = process.env;
  return execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: { ...rest, ...env } });
};

it('--version names the engine: netlink by default where koffi loads, ip when asked, an error for another name', () => {
  const bin = join(ROOT, 'bin', 'topo.js');
  expect(version(bin)).toBe(`${VERSION}\nengine: netlink (koffi loaded)\ncode cache: used\n`);
  expect(version(bin, { TOPO_ENGINE: 'netlink' })).toBe(`${VERSION}\nengine: netlink (TOPO_ENGINE=netlink)\ncode cache: used\n`);
  expect(version(bin, { TOPO_ENGINE: 'ip' })).toBe(`${VERSION}\nengine: ip (TOPO_ENGINE=ip)\ncode cache: used\n`);
  expect(version(bin, { TOPO_ENGINE: 'nl' })).toBe(`${VERSION}\nengine: none (TOPO_ENGINE=nl: the engines are netlink and ip)\ncode cache: used\n`);
});

it('the bundle where koffi is not installed: reads through ip, and says why; TOPO_ENGINE=netlink there is an error', () => {
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  for (const f of CLI_FILES) copyFileSync(join(ROOT, f), join(dir, f));
  const out = version(join(dir, 'bin', 'topo.js'));
  expect(out).toMatch(new RegExp(`^${VERSION}\\nengine: ip \\(koffi could not be loaded \\(Cannot find module 'koffi'.*\\): reading through ip processes\\)\\ncode cache: used\\n$`));
  expect(version(join(dir, 'bin', 'topo.js'), { TOPO_ENGINE: 'netlink' })).toMatch(/^engine: none \(TOPO_ENGINE=netlink, but koffi could not be loaded/m);
});

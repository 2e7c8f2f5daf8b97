// The kernel's build options (io/kernel-config.ts) as checks see them: read lazily from the first readable source
// (/proc/config.gz, gzipped, or /boot/config-<release>), "=y" and "=m" count as built, anything else as not;
// undefined when nothing is readable, so a check can tell "the kernel lacks it" from "can't tell".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kernelConfig, parseConfig } from '../../src/io/kernel-config.js';

const CONFIG = '#\n# Automatically generated file; DO NOT EDIT.\nCONFIG_BRIDGE=y\nCONFIG_VXLAN=m\n# CONFIG_BRIDGE_VLAN_FILTERING is not set\nCONFIG_HZ=250\n';

describe('kernel configuration', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'topo-kconfig-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('parses the options that are set, with their values', () => {
    expect([...parseConfig(CONFIG)]).toEqual([['CONFIG_BRIDGE', 'y'], ['CONFIG_VXLAN', 'm'], ['CONFIG_HZ', '250']]);
  });

  it('reads /proc/config.gz (gzipped): y and m are built, "is not set" and absent are not', () => {
    writeFileSync(join(dir, 'config.gz'), gzipSync(CONFIG));
    const has = kernelConfig([{ path: join(dir, 'config.gz'), gzip: true }, { path: join(dir, 'none'), gzip: false }]);
    expect([has('BRIDGE'), has('VXLAN'), has('BRIDGE_VLAN_FILTERING'), has('NO_SUCH_OPTION')]).toEqual([true, true, false, false]);
  });

  it('falls back to the next source (/boot/config-<release>, plain text)', () => {
    writeFileSync(join(dir, 'config.gz'), 'not gzip');
    writeFileSync(join(dir, 'config'), CONFIG);
    const has = kernelConfig([{ path: join(dir, 'config.gz'), gzip: true }, { path: join(dir, 'config'), gzip: false }]);
    expect(has('BRIDGE_VLAN_FILTERING')).toBe(false);
    expect(has('BRIDGE')).toBe(true);
  });

  it('nothing readable (or nothing that looks like a configuration): undefined, not false', () => {
    writeFileSync(join(dir, 'empty'), '# nothing\n');
    const has = kernelConfig([{ path: join(dir, 'missing.gz'), gzip: true }, { path: join(dir, 'empty'), gzip: false }]);
    expect(has('BRIDGE')).toBeUndefined();
  });

  it('reads nothing until asked', () => {
    const path = join(dir, 'late');
    const has = kernelConfig([{ path, gzip: false }]);
    writeFileSync(path, CONFIG); // written after the reader was made, before the first question
    expect(has('VXLAN')).toBe(true);
  });
});

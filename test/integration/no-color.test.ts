// NO_COLOR (https://no-color.org): on a terminal the progress display uses colour escape sequences (SGR); with
// NO_COLOR set it uses none. The terminal is a real pseudo-terminal (util-linux `script`), in the sandbox.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';

const SGR = /\x1b\[[0-9;]*m/g;

describe('NO_COLOR', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it('an apply on a terminal has colour sequences, none with NO_COLOR set', async () => {
    const f = example('two-namespaces.yaml');
    const onTty = (args: string[], env: Record<string, string>) =>
      sb.run(['script', '-qec', [process.execPath, TOPO, ...args].join(' '), '/dev/null'], { env: { TERM: 'xterm-256color', ...env } });
    const coloured = await onTty(['apply', f], {});
    expect(coloured.exitCode, coloured.stdout).toBe(0);
    expect(coloured.stdout).toContain('Apply complete');
    expect(coloured.stdout.match(SGR)?.length).toBeGreaterThan(0);
    expect((await sb.topo(['destroy', f])).exitCode).toBe(0);
    const plain = await onTty(['apply', f], { NO_COLOR: '1' });
    expect(plain.exitCode, plain.stdout).toBe(0);
    expect(plain.stdout).toContain('Apply complete');
    expect(plain.stdout.match(SGR)).toBeNull();
  });
});

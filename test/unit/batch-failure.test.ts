// Which line of an `ip -batch` failed (core/commands.ts batchFailedLine, io/run-step-cmds.ts batchFailure), from ip's
// own output (captured from iproute2 6.1): named ("Command failed -:L"), or found from the argument ip quotes when
// it refuses one itself and exits without naming the line.
import { describe, expect, it } from 'vitest';
import { batchArgs, batchFailedLine, batchLine } from '../../src/core/commands.js';
import { batchFailure, type Item } from '../../src/io/run-step-cmds.js';
import type { Cmd, Step } from '../../src/model.js';

const LINES = [
  'link add name br9 type bridge',
  'link add name v0 type veth peer name v00 netns ns1',
  'link add name v1 type veth peer name v2 netns ns9',
  'route add 10.0.0.0/33 dev lo',
  'link set dev lo mtu 1500 mtu 1400',
  'route add 10.1.0.0/24 via 10.0.0.1 to 10.2.0.0/24',
];

describe('the failing line of an ip batch', () => {
  it('named by ip: "Command failed -:L"', () => {
    expect(batchFailedLine('Cannot find device "nosuch"\nCommand failed -:2\n', LINES)).toBe(2);
  });

  it('an argument ip refused: the first line holding the quoted argument (and keyword)', () => {
    expect(batchFailedLine('Error: argument "ns9" is wrong: Invalid "netns" value\n\n', LINES)).toBe(3);
    expect(batchFailedLine('Error: any valid prefix is expected rather than "10.0.0.0/33".\n', LINES)).toBe(4);
    expect(batchFailedLine('Error: duplicate "mtu": "1400" is the second value.\n', LINES)).toBe(5);
    expect(batchFailedLine('Error: either "to" is duplicate, or "10.2.0.0/24" is a garbage.\n', LINES)).toBe(6);
  });

  it('nothing to go by: 0', () => {
    expect(batchFailedLine('Command line is not complete. Try option "help"\n', LINES)).toBe(0);
    expect(batchFailedLine('Error: argument "x" is wrong\n')).toBe(0);
  });

  it('batch lines are read back as ip reads them (quoted arguments)', () => {
    const cmd: Cmd = { ns: 'host', tool: 'ip', args: ['link', 'set', 'dev', 'v1', 'alias', 'a "b" c\\d'] };
    expect(batchArgs(batchLine(cmd))).toEqual(cmd.args);
  });

  it('batchFailure: the failing command with ip\'s words, the ones before it counted as run', () => {
    const items: Item[] = LINES.slice(0, 3).map((l, i) => ({
      step: { label: `step ${i}` } as Step, cmd: { ns: 'host', tool: 'ip', args: batchArgs(l) },
    }));
    const lines = items.map((it) => batchLine(it.cmd));
    const r = batchFailure(items, lines, 'Error: argument "ns9" is wrong: Invalid "netns" value\n\n', 255);
    expect(r.done).toEqual(items.slice(0, 2));
    expect(r.failed?.error.message).toBe('step "step 2" failed: ip link add name v1 type veth peer name v2 netns ns9: Error: argument "ns9" is wrong: Invalid "netns" value');
    const unknown = batchFailure(items, lines, 'Command line is not complete. Try option "help"\n', 255);
    expect(unknown.done).toEqual([]);
    expect(unknown.failed?.error.message).toContain('ip did not say which of the batch\'s 3 commands failed; this is the first');
  });
});

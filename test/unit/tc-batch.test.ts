// tc as a tool of commands (core/commands.ts argvOf, io/run-step-cmds.ts): `tc -n NS ...` like ip, and a namespace's
// consecutive tc commands run as one `tc -batch -`, whose failing line tc names like ip does (captured from
// iproute2 6.1: "Error: Specified qdisc kind is unknown.\nCommand failed -:2").
import { describe, expect, it } from 'vitest';
import { argvOf, batchArgv } from '../../src/core/commands.js';
import { runSegment, segments, type Item } from '../../src/io/run-step-cmds.js';
import type { Runner } from '../../src/io/runner.js';
import type { Cmd, Step } from '../../src/model.js';

const tc = (ns: string, ...args: string[]): Cmd => ({ ns, tool: 'tc', args });
const item = (cmd: Cmd, label = 'veth0'): Item => ({ step: { label } as Step, cmd });

describe('tc commands', () => {
  it('take the namespace like ip: tc -n NS, nothing in the host', () => {
    expect(argvOf(tc('ns1', 'qdisc', 'del', 'dev', 'eth0', 'root'))).toEqual(['tc', '-n', 'ns1', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    expect(argvOf(tc('host', 'qdisc', 'del', 'dev', 'eth0', 'root'))).toEqual(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    expect(batchArgv('ns1', false, 'tc')).toEqual(['tc', '-n', 'ns1', '-batch', '-']);
  });

  it('consecutive ones are one segment, apart from the ip commands around them', () => {
    const ip: Cmd = { ns: 'ns1', tool: 'ip', args: ['link', 'set', 'dev', 'eth0', 'up'] };
    const items = [item(ip), item(ip), item(tc('ns1', 'a')), item(tc('ns1', 'b')), item(ip)];
    expect(segments(items).map((s) => s.length)).toEqual([2, 2, 1]);
  });

  it('run as one tc -batch; a failing line is mapped back to its step and command, with the kernel\'s words', async () => {
    const calls: { argv: string[]; input?: string }[] = [];
    const fails: Runner = async (argv, opts) => {
      calls.push({ argv, input: opts?.input });
      return { stdout: '', stderr: 'Error: Specified qdisc kind is unknown.\nCommand failed -:2\n', exitCode: 1 };
    };
    const seg = [
      item(tc('ns1', 'qdisc', 'replace', 'dev', 'a0', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'latency', '50ms'), 'a0'),
      item(tc('ns1', 'qdisc', 'replace', 'dev', 'b0', 'root', 'handle', '7a0:', 'netem', 'delay', '20ms'), 'b0'),
    ];
    const r = await runSegment(fails, seg);
    expect(calls).toEqual([{ argv: ['tc', '-n', 'ns1', '-batch', '-'], input:
      'qdisc replace dev a0 root handle 7a0: tbf rate 1mbit burst 1600 latency 50ms\nqdisc replace dev b0 root handle 7a0: netem delay 20ms\n' }]);
    expect(r.done).toEqual(seg.slice(0, 1));
    expect(r.failed?.error.message).toBe('step "b0" failed: tc -n ns1 qdisc replace dev b0 root handle 7a0: netem delay 20ms: Error: Specified qdisc kind is unknown.');
  });
});

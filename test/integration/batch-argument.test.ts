// Guarantee: a kernel failure names the failing command, also when `ip -batch` refuses an argument itself (it then
// exits without its "Command failed -:L"): the error names that line's step and argv, not the batch's first.
// The failure is real: the test holds topo at the FIFO of $TOPO_TRACE_FILE once the namespaces exist (see
// helpers/trace-gate.ts) and deletes one of them by hand; the host's batch creating a veth into it then stops on
// `netns b` with 'Error: argument "b" is wrong: Invalid "netns" value', after the lines before it ran.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { expectOk, STACK, stateFiles } from '../helpers/reference.js';
import { blockedAtGate, isChange, killLeftovers, startTopo, TraceGate, type Started } from '../helpers/trace-gate.js';

const LAB = `name: argfail
namespaces: { a: {}, b: {} }
bridges:
  br0: { addresses: [10.60.0.1/24] }
veths:
  - ends: [{ name: h-a, bridge: br0 }, { name: e0, namespace: a, addresses: [10.60.0.2/24] }]
  - ends: [{ name: h-b, bridge: br0 }, { name: e0, namespace: b, addresses: [10.60.0.3/24] }]
`;

describe('a batch line ip refuses on an argument', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  it('names the failing line\'s step and argv (not the batch\'s first); rolled back', async () => {
    const file = `/tmp/topo-argfail-${process.pid}.yaml`;
    writeFileSync(file, LAB);
    let r: Awaited<Started['done']> | undefined;
    // The namespaces' batch must come alone through the FIFO: written together with the next one (the reader was
    // slow), the interfaces stage already started. Then the apply ends in some other way: destroy, and again.
    for (let attempt = 0; attempt < 5 && !r; attempt++) {
      const gate = await TraceGate.create();
      let alone = false;
      try {
        const topo = startTopo(sb, ['apply', file, '--json'], { TOPO_TRACE_FILE: gate.path });
        let seen = false;
        for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
          if (!seen && cmds.some(isChange)) {
            seen = true;
            // The namespaces' batch has started; once topo waits to start its next process, they exist.
            alone = cmds.filter(isChange).length === 1 && await blockedAtGate(topo.pid);
            if (alone) expectOk(await sb.run(['ip', 'netns', 'del', 'b']));
          }
        }
        const done = await topo.done;
        if (alone) r = done;
        else expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
      } finally { gate.close(); }
    }
    expect(r, 'the namespaces\' batch never came alone').toBeDefined();
    expect(r!.exitCode, r!.stderr).toBe(1);
    expect(r!.stdout).not.toMatch(STACK);
    const err = JSON.parse(r!.stdout).error;
    expect(err, err.message).toMatchObject({
      code: 'E_COMMAND', step: 'e0@b <-> h-b@host', stderr: 'Error: argument "b" is wrong: Invalid "netns" value',
    });
    expect(err.argv.join(' ')).toMatch(/^ip link add name h-b .* type veth peer name e0 .*netns b$/);
    // The lines before it ran and were undone: the bridge, and the veth into a (with a itself).
    expect(err.undone.map((a: string[]) => a.join(' '))).toEqual(['ip link del dev br0', 'ip netns del a']);
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]);
  });
});

// Guarantee: a kernel failure names the failing command, also when `ip -batch` refuses an argument itself (it then
// exits without its "Command failed -:L"): the error names that line's step and argv, not the batch's first.
// The failure is real: the test holds topo at the FIFO of $TOPO_TRACE_FILE once the namespaces exist (see
// helpers/trace-gate.ts) and deletes one of them by hand; the host's batch creating a veth into it then stops on
// `netns b` with 'Error: argument "b" is wrong: Invalid "netns" value', after the lines before it ran.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

// Eight namespaces p0..p7 each create two veth pairs, into q<i> and then into s<i>: their scripts run grouped
// (through the launcher, see io/ns-group.ts). s3 is deleted by hand, so p3's script stops at its third line (the
// second pair's `link add ... netns s3`), after its first pair was created and marked.
const WIDE = `name: argwide
namespaces: { ${[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [`p${i}: {}`, `q${i}: {}`, `s${i}: {}`]).join(', ')} }
veths:
${[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [
    `  - ends: [{ name: a${i}, namespace: p${i} }, { name: b${i}, namespace: q${i} }]`,
    `  - ends: [{ name: c${i}, namespace: p${i} }, { name: d${i}, namespace: s${i} }]`]).join('\n')}
`;

/** Folders of the lab files written (removed after each test). */
const made: string[] = [];

/** Whether namespace `ns` comes to exist in the sandbox (the batch creating it runs on its own, not held by the gate). */
async function appears(sb: Sandbox, ns: string): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if ((await sb.run(['test', '-e', `/run/netns/${ns}`])).exitCode === 0) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Apply `lab`, deleting namespace `victim` by hand once the namespaces' batch has run alone; the apply's result. */
async function applyWithout(sb: Sandbox, lab: string, victim: string): Promise<Awaited<Started['done']>> {
  const file = `${mkdtempSync('/tmp/topo-argfail-')}/${victim}.yaml`; // removed with its folder after the test
  made.push(file.slice(0, file.lastIndexOf('/')));
  writeFileSync(file, lab);
  // The namespaces' batch must come alone through the FIFO: written together with the next one (the reader was
  // slow), the interfaces stage already started. Then the apply ends in some other way: destroy, and again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const gate = await TraceGate.create();
    let alone = false;
    try {
      const topo = startTopo(sb, ['apply', file, '--json'], gate.env);
      let seen = false;
      for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
        if (!seen && cmds.some(isChange)) {
          seen = true;
          // The namespaces' batch has started and topo waits to start its next process; that one may have been
          // started beside the batch (the gate lets commands through one by one), so wait for the victim to exist.
          alone = cmds.filter(isChange).length === 1 && await blockedAtGate(topo.pid) && await appears(sb, victim);
          if (alone) expectOk(await sb.run(['ip', 'netns', 'del', victim]));
        }
      }
      const done = await topo.done;
      if (alone) return done;
      expect((await sb.topo(['destroy', file])).exitCode).toBe(0);
    } finally { gate.close(); }
  }
  throw new Error('the namespaces\' batch never came alone');
}

describe('a batch line ip refuses on an argument', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterEach(async () => {
    killLeftovers();
    await sb.close();
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('names the failing line\'s step and argv (not the batch\'s first); rolled back', async () => {
    const r = await applyWithout(sb, LAB, 'b');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(STACK);
    const err = JSON.parse(r.stdout).error;
    expect(err, err.message).toMatchObject({
      code: 'E_COMMAND', step: 'e0@b <-> h-b@host', stderr: 'Error: argument "b" is wrong: Invalid "netns" value',
    });
    expect(err.argv.join(' ')).toMatch(/^ip link add name h-b .* type veth peer name e0 .*netns b$/);
    // The lines before it ran and were undone: the bridge, and the veth into a (with a itself).
    expect(err.undone.map((a: string[]) => a.join(' '))).toEqual(['ip link del dev br0', 'ip netns del a']);
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]);
  });

  it('names it too in namespace scripts run grouped through the launcher; rolled back', async () => {
    const r = await applyWithout(sb, WIDE, 's3');
    expect(r.exitCode, r.stderr).toBe(1);
    const err = JSON.parse(r.stdout).error;
    expect(err, err.message).toMatchObject({
      code: 'E_COMMAND', step: 'c3@p3 <-> d3@s3', stderr: expect.stringContaining('Error: argument "s3" is wrong: Invalid "netns" value'),
    });
    expect(err.argv.join(' ')).toMatch(/^ip -n p3 link add name c3 .* type veth peer name d3 .*netns s3$/);
    expect(await kernelState(sb)).toEqual(empty);
    expect(await stateFiles(sb)).toEqual([]);
  });
});

// destroy reads only the lab's own namespaces (its state record and the file name them), never the other
// namespaces of the machine: a small lab's destroy costs the same next to 40 foreign namespaces as alone. Only
// without a record (lost) does it look for the lab's marks in every namespace, in one batched read.
// Counted in processes topo starts ($TOPO_TRACE_FILE), not in time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { example, Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { stateFiles } from '../helpers/reference.js';

const FOREIGN = 40;
const foreign = Array.from({ length: FOREIGN }, (_, i) => `f${i}`);
const LAB = example('two-namespaces.yaml'); // lab two-ns: ns1, ns2
const TRACE = '/run/destroy-trace';

describe('destroy reads only the lab', () => {
  let sb: Sandbox;
  let before: KernelState;
  beforeEach(async () => {
    sb = await Sandbox.create();
    // Foreign namespaces, one of them another lab's by its mark, with an interface.
    const setup = await sb.sh(`for n in ${foreign.join(' ')}; do ip netns add $n; done
      ip -n f7 link add d0 type veth peer name d1 && ip -n f7 link set dev lo alias topo:other`);
    expect(setup.exitCode, setup.stderr).toBe(0);
    before = await kernelState(sb);
    expect((await sb.topo(['apply', LAB])).exitCode).toBe(0);
  });
  afterEach(async () => { await sb.close(); });

  async function traced(args: string[]) {
    await sb.run(['rm', '-f', TRACE]);
    const r = await sb.topo(args, { TOPO_TRACE_FILE: TRACE });
    expect(r.exitCode, r.stderr).toBe(0);
    const argvs = (await sb.run(['cat', TRACE])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    return argvs;
  }
  const namesForeign = (argv: string[]) => argv.some((a) => foreign.includes(a) || foreign.some((f) => a.includes(`/run/netns/${f}`)));

  it('with its record: none of the 40 foreign namespaces is read, and the lab is removed completely', async () => {
    const argvs = await traced(['destroy', LAB]);
    expect(argvs.filter(namesForeign)).toEqual([]);
    // A handful of processes (list, read host and the lab, delete, verify), not one per namespace on the machine.
    expect(argvs.length).toBeLessThan(12);
    expect(await kernelState(sb)).toEqual(before);
    expect(await stateFiles(sb)).toEqual([]);
  });

  it('without a record: the lab\'s marked namespaces are still found (the file names none of them), in one batched read', async () => {
    await sb.run(['rm', '/run/topo/two-ns.json']);
    const edited = '/run/two-ns-edited.yaml';
    await sb.run(['sh', '-c', `printf 'name: two-ns\\nnamespaces:\\n  other: {}\\n' > ${edited}`]);
    const argvs = await traced(['destroy', edited]);
    expect(argvs.filter(namesForeign)).toEqual([]); // read through a few launchers, not one `ip -n` each
    // A few launchers for every lo alias (one group per parallel slot), the host and the lab's two namespaces (their
    // interfaces: proof and foreign check), the delete, the verification: far fewer than one per namespace.
    expect(argvs.length).toBeLessThan(FOREIGN / 2);
    expect(await kernelState(sb)).toEqual(before); // ns1 and ns2 gone; f7 (another lab's) and the rest untouched
    expect(await stateFiles(sb)).toEqual([]);
  });
});

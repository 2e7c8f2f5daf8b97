// tc's tbf qdisc commands carried out in-process (src/io/netlink/tc-qdisc.ts, through NetlinkWriter.operation): in a
// sandbox, every command shape topo's shaping makes with a tbf is run by `tc` on one interface and by the writer on
// its twin, from the same starting state; then `tc -j -d -raw qdisc show` of the two must be the same (device names
// aside), and so must the exit status and the words of each refusal (no such device, a second add, a change of what
// isn't there). Odd rates, a 64-bit rate, latency and limit, a tbf child under an htb class, replace, change and both
// deletions. After every call the process and its thread are back in their own namespace (runSteps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/thread-steps.js';

/** Each case: what both interfaces get first (as `tc` commands), then the command under test; DEV is the interface. */
const CASES: { name: string; setup?: string[][]; cmd: string[] }[] = [
  { name: 'add, latency', cmd: ['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '10mbit', 'burst', '1600', 'latency', '50ms'] },
  { name: 'add, odd rate, limit', cmd: ['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '1234567bit', 'burst', '3001', 'limit', '64100'] },
  { name: 'add, 64-bit rate', cmd: ['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '40gbit', 'burst', '600000', 'latency', '7us'] },
  { name: 'add, low rate, seconds', cmd: ['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '9kbit', 'burst', '1514', 'latency', '2s'] },
  {
    name: 'replace', setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '3000']],
    cmd: ['qdisc', 'replace', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '3mbit', 'burst', '4000', 'latency', '20ms'],
  },
  {
    name: 'change', setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '3000']],
    cmd: ['qdisc', 'change', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '2gbit', 'burst', '9000', 'limit', '120000'],
  },
  {
    name: 'child under a class', setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'htb'], ['class', 'add', 'dev', 'DEV', 'parent', '7a0:', 'classid', '7a0:1', 'htb', 'rate', '1gbit']],
    cmd: ['qdisc', 'add', 'dev', 'DEV', 'parent', '7a0:1', 'handle', '7a1:', 'tbf', 'rate', '100mbit', 'burst', '20000', 'latency', '1ms'],
  },
  {
    name: 'delete the child',
    setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'htb'], ['class', 'add', 'dev', 'DEV', 'parent', '7a0:', 'classid', '7a0:1', 'htb', 'rate', '1gbit'],
      ['qdisc', 'add', 'dev', 'DEV', 'parent', '7a0:1', 'handle', '7a1:', 'tbf', 'rate', '100mbit', 'burst', '20000', 'latency', '1ms']],
    cmd: ['qdisc', 'del', 'dev', 'DEV', 'parent', '7a0:1', 'handle', '7a1:'],
  },
  {
    name: 'delete the root', setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '3000']],
    cmd: ['qdisc', 'del', 'dev', 'DEV', 'root'],
  },
  {
    name: 'refused: a second add', setup: [['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '3000']],
    cmd: ['qdisc', 'add', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '2mbit', 'burst', '1600', 'limit', '3000'],
  },
  { name: 'refused: change of nothing', cmd: ['qdisc', 'change', 'dev', 'DEV', 'root', 'handle', '7a0:', 'tbf', 'rate', '2mbit', 'burst', '1600', 'limit', '3000'] },
  { name: 'refused: delete of nothing', cmd: ['qdisc', 'del', 'dev', 'DEV', 'parent', '7a0:1', 'handle', '7a1:'] },
  { name: 'refused: no such device', cmd: ['qdisc', 'add', 'dev', 'nope', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '3000'] },
];

const dev = (args: string[], d: string) => args.map((a) => (a === 'DEV' ? d : a));

const SCRIPT = `
const { NetlinkWriter } = await import('${ROOT}dist/src/io/netlink/writer.js');
const w = new NetlinkWriter(libc);
for (const [name, args] of ${JSON.stringify(CASES.map((c, i) => [c.name, dev(c.cmd, `b${i}`)]))}) {
  step(name, () => {
    const op = w.operation({ ns: 't', tool: 'tc', args });
    if (!op) return 'not taken';
    try { op(); return { exitCode: 0, stderr: '' }; } catch (e) { return { exitCode: e.exitCode, stderr: e.message }; }
  });
}
w.close();
`;

describe('tc qdisc commands in-process make what tc makes', () => {
  let sb: Sandbox;
  beforeAll(async () => { sb = await Sandbox.create(); });
  afterAll(async () => { await sb?.close(); });

  const tc = (args: string[]) => sb.run(['tc', '-n', 't', ...args]);
  const qdiscs = async (d: string) => {
    const r = await tc(['-j', '-d', '-raw', 'qdisc', 'show', 'dev', d]);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { dev: string; kind: string }[]).map((q) => ({ ...q, dev: 'DEV' }));
  };

  it('every shape, each refusal: the same qdiscs, the same words', async () => {
    const made = await sb.sh(`ip netns add t && for i in $(seq 0 ${CASES.length - 1}); do ip -n t link add a$i type veth peer name b$i; done`);
    expect(made.exitCode, made.stderr).toBe(0);
    for (const [i, c] of CASES.entries()) {
      for (const s of c.setup ?? []) for (const d of [`a${i}`, `b${i}`]) expect((await tc(dev(s, d))).exitCode, `${c.name}: setup`).toBe(0);
    }
    const byTc = [];
    for (const [i, c] of CASES.entries()) byTc.push(await tc(dev(c.cmd, `a${i}`)));
    const { by } = await runSteps(sb, SCRIPT);
    for (const [i, c] of CASES.entries()) {
      const want = byTc[i];
      expect(by[c.name], c.name).toEqual({ exitCode: want.exitCode, stderr: want.stderr });
      if (c.cmd.includes('DEV')) expect(await qdiscs(`b${i}`), c.name).toEqual(await qdiscs(`a${i}`));
    }
    // The refusals were refusals, and the shapes took: a tbf with the 64-bit rate, the child under the class.
    expect(byTc.filter((r) => r.exitCode !== 0)).toHaveLength(4);
    expect((await qdiscs('b2'))[0]).toMatchObject({ kind: 'tbf', options: { rate: 5e9 } });
    expect((await qdiscs('b6')).map((q) => q.kind)).toEqual(['htb', 'tbf']);
  });
});

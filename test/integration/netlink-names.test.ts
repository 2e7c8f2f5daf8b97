// The netlink writer asks the kernel for an interface's index once per namespace, not once per command
// (io/netlink/writer.ts). In a sandbox, a Node process drives a NetlinkWriter and, between its commands, changes the
// kernel with `ip` behind its back: the cached index must never reach another interface, and an interface deleted
// and made again under its name is found again; a namespace made again under its name, once the writer is told
// (changedOutside), is the one its next command reaches. Each outcome is read back with `ip -json`.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/thread-steps.js';

let sb: Sandbox;
beforeAll(async () => { sb = await Sandbox.create(); });
afterAll(async () => { await sb.close(); });

const SCRIPT = `
const { execFileSync } = await import('node:child_process');
const { NetlinkWriter } = await import('${ROOT}dist/src/io/netlink/writer.js');
const { readIpArgs } = await import('${ROOT}dist/src/io/netlink/ip-argv.js');
const w = new NetlinkWriter(libc);
const cmd = (name, ns, line) => step(name, () => { w.run(ns, readIpArgs(line.split(' '))); return 'done'; });
const ip = (name, ...argv) => step(name, () => { execFileSync('ip', argv); return 'done'; });
const show = (ns, dev) => JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' }))[0];
const read = (name, ns, dev) => step(name, () => { const l = show(ns, dev); return { index: l.ifindex, mtu: l.mtu }; });
cmd('make x', 'a', 'link add name x type bridge');
cmd('x mtu 1400', 'a', 'link set dev x mtu 1400');
read('x first', 'a', 'x');
// Deleted and made again by someone else (a new index): the writer's next command reaches the new one.
ip('x again', '-n', 'a', 'link', 'del', 'x');
ip('x again 2', '-n', 'a', 'link', 'add', 'x', 'type', 'bridge');
cmd('new x mtu 1300', 'a', 'link set dev x mtu 1300');
read('x second', 'a', 'x');
// Deleted by someone else and not made again: the name is asked again and is missing.
ip('x gone', '-n', 'a', 'link', 'del', 'x');
cmd('gone x up', 'a', 'link set dev x up');
// Moved away by the writer, and another interface with the old index moved in by someone else: not reached by x's name.
cmd('make m', 'a', 'link add name m type veth peer name mp');
cmd('m mtu 1400', 'a', 'link set dev m mtu 1400');
const m = show('a', 'm').ifindex;
cmd('m to b', 'a', 'link set dev m netns b');
ip('q in c', '-n', 'c', 'link', 'add', 'q', 'index', String(m), 'type', 'veth', 'peer', 'name', 'qp');
ip('q to a', '-n', 'c', 'link', 'set', 'q', 'netns', 'a');
step('indexes of m and q', () => [m, show('a', 'q').ifindex]);
cmd('moved m up', 'a', 'link set dev m up');
step('q up', () => show('a', 'q').flags.includes('UP'));
// The namespace deleted (q goes with its other end) and made again by a process (the executor then calls changedOutside): the new one is reached.
ip('c again', 'netns', 'del', 'c');
ip('c again 2', 'netns', 'add', 'c');
w.changedOutside();
cmd('make in new c', 'c', 'link add name n type bridge');
w.close();
`;

it('an index asked once per namespace never reaches another interface; an interface made again is found again', async () => {
  const setup = await sb.sh('ip netns add a && ip netns add b && ip netns add c');
  expect(setup.exitCode, setup.stderr).toBe(0);
  const { by } = await runSteps(sb, SCRIPT);
  for (const name of ['make x', 'x mtu 1400', 'x again', 'x again 2', 'new x mtu 1300', 'x gone', 'make m', 'm mtu 1400', 'm to b', 'q in c', 'q to a', 'c again', 'c again 2', 'make in new c']) {
    expect(by[name], name).toBe('done');
  }
  expect(by['x first'].mtu).toBe(1400);
  expect(by['x second'].mtu).toBe(1300);
  expect(by['x second'].index).not.toBe(by['x first'].index);
  expect(by['gone x up']).toEqual({ error: 'Cannot find device "x"', errno: undefined });
  const [m, q] = by['indexes of m and q'];
  expect(q).toBe(m); // the index m had in a is q's now
  expect(by['moved m up']).toEqual({ error: 'Cannot find device "m"', errno: undefined });
  expect(by['q up']).toBe(false);
  const moved = JSON.parse((await sb.run(['ip', '-n', 'b', '-j', 'link', 'show', 'dev', 'm'])).stdout) as { mtu: number; flags: string[] }[];
  expect(moved[0].mtu).toBe(1400);
  const c = JSON.parse((await sb.run(['ip', '-n', 'c', '-j', 'link', 'show'])).stdout) as { ifname: string }[];
  expect(c.map((l) => l.ifname).sort()).toEqual(['lo', 'n']);
});

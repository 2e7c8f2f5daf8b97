// Sysctls written in-process (io/netlink/sysctl-write.ts: the file opened with the thread inside the namespace,
// written after coming back): in a sandbox, a Node process writes keys of two lab namespaces and of its own, then
// fails in each way a write can (no such key, a value the kernel refuses, no such namespace, a file of /run/netns that
// is no namespace). Each value is read back by `ip netns exec NS cat` (a process in that namespace): every write hit
// its namespace and no other. After every call, failed or not, the process and its thread are in the namespace they
// started in (/proc/self/ns/net, /proc/thread-self/ns/net).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/thread-steps.js';

let sb: Sandbox;
beforeAll(async () => { sb = await Sandbox.create(); });
afterAll(async () => { await sb.close(); });

const KEYS = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv6.conf.all.forwarding'];
const path = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

const SCRIPT = `
const { writeSysctl } = await import('${ROOT}dist/src/io/netlink/sysctl-write.js');
const write = (name, ns, key, input) => step(name, () => { writeSysctl(libc, ns, key, input); return 'written'; });
write('s1 ip_forward', 's1', 'net.ipv4.ip_forward', '1\\n');
write('s1 ipv6 forwarding', 's1', 'net.ipv6.conf.all.forwarding', '1\\n');
write('s2 rp_filter', 's2', 'net.ipv4.conf.all.rp_filter', '2\\n');
write('own rp_filter', 'host', 'net.ipv4.conf.all.rp_filter', '1\\n');
write('no such key', 's1', 'net.ipv4.no_such_key', '1\\n');
write('refused value', 's1', 'net.ipv4.conf.all.rp_filter', 'abc\\n');
write('no such namespace', 'gone', 'net.ipv4.ip_forward', '1\\n');
write('not a namespace', 'plain', 'net.ipv4.ip_forward', '1\\n');
`;

/** The KEYS' values in a namespace (or the sandbox's own, "host"), read by a process there. */
async function values(ns: string): Promise<string[]> {
  const argv = ['cat', ...KEYS.map(path)];
  const r = await sb.run(ns === 'host' ? argv : ['ip', 'netns', 'exec', ns, ...argv]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

it('writes hit the namespace they name, and the thread always comes back', async () => {
  const zero = KEYS.map((k) => `${k}=0`).join(' ');
  const setup = await sb.sh(`ip netns add s1 && ip netns add s2 && touch /run/netns/plain
    for ns in s1 s2; do ip netns exec $ns sysctl -qw ${zero}; done; sysctl -qw ${zero}`);
  expect(setup.exitCode, setup.stderr).toBe(0);
  const { by } = await runSteps(sb, SCRIPT);
  for (const name of ['s1 ip_forward', 's1 ipv6 forwarding', 's2 rp_filter', 'own rp_filter']) expect(by[name], name).toBe('written');
  expect(by['no such key']).toEqual({ error: 'tee /proc/sys/net/ipv4/no_such_key: No such file or directory', errno: 2 });
  expect(by['refused value']).toEqual({ error: 'tee /proc/sys/net/ipv4/conf/all/rp_filter: Invalid argument', errno: 22 });
  expect(by['no such namespace']).toEqual({ error: 'ip netns exec gone: No such file or directory', errno: 2 });
  expect(by['not a namespace']).toEqual({ error: 'ip netns exec plain: Invalid argument', errno: 22 });
  // ip_forward, rp_filter, IPv6 forwarding: each where it was written, nowhere else; the refused value changed nothing.
  expect(await values('s1')).toEqual(['1', '0', '1']);
  expect(await values('s2')).toEqual(['0', '2', '0']);
  expect(await values('host')).toEqual(['0', '1', '0']);
});

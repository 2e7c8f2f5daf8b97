// The netlink engine enters a namespace only to open its socket, and always comes back: in a sandbox, a Node process
// opens sockets in lab namespaces — one that works, one deleted before it is opened, a file of /run/netns that is no
// namespace (setns fails), one where a failure is thrown while inside — and the process's and its thread's network
// namespace (/proc/self/ns/net, /proc/thread-self/ns/net) are compared with what they were before, after each. The
// socket that was opened reads the lab namespace's interfaces, not the process's own; /proc/sys/net read while
// inside is the lab namespace's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/thread-steps.js';

let sb: Sandbox;
beforeAll(async () => { sb = await Sandbox.create(); });
afterAll(async () => { await sb.close(); });

const SCRIPT = `
const session = await import('${ROOT}dist/src/io/netlink/reader.js');
const { openSocket } = await import('${ROOT}dist/src/io/netlink/socket.js');
const { dumpLinks, linkDocs } = await import('${ROOT}dist/src/io/netlink/links.js');
step('works', () => { const s = openSocket(libc, 'lab1'); const names = linkDocs(dumpLinks(s)).map((l) => l.ifname); s.close(); return { names }; });
step('deleted', () => openSocket(libc, 'gone') && 'opened');
step('not a namespace', () => openSocket(libc, 'plain') && 'opened');
step('fails inside', () => openSocket(libc, 'lab1', { inside: () => { throw new Error('thrown inside'); } }) && 'opened');
step('sysctl inside', () => { const { NetlinkSession } = session; const s = new NetlinkSession(libc);
  const v = s.inside('lab1', () => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')); s.close(); return { inside: v, outside: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8') }; });
step('inside is elsewhere', () => { let seen; const s = openSocket(libc, 'lab1', { inside: () => { seen = where(); } }); s.close(); return { seen }; });
`;

it('the process never stays in a lab namespace, whatever happens on the way', async () => {
  const setup = await sb.sh('ip netns add lab1 && ip -n lab1 link add only-here type veth peer name peer-here && ip netns exec lab1 sysctl -qw net.ipv4.ip_forward=1 && ip netns add gone && ip netns del gone && touch /run/netns/plain');
  expect(setup.exitCode, setup.stderr).toBe(0);
  const { by, before } = await runSteps(sb, SCRIPT);
  expect(by.works.names).toEqual(['lo', 'peer-here', 'only-here']);
  expect(by.deleted).toEqual({ error: 'open /run/netns/gone: No such file or directory', errno: 2 });
  expect(by['not a namespace']).toEqual({ error: 'setns /run/netns/plain: Invalid argument', errno: 22 });
  expect(by['fails inside']).toEqual({ error: 'thrown inside' });
  // /proc/sys/net read while inside is the namespace's own (as topo reads a namespace's sysctls with this engine).
  expect(by['sysctl inside']).toEqual({ inside: '1\n', outside: '0\n' });
  // While inside, the thread was in lab1 (not the process's namespace): so "after" above is a way back, not a no-op.
  expect(by['inside is elsewhere'].seen[1]).not.toBe(before[1]);
  const inode = (await sb.run(['ip', 'netns', 'exec', 'lab1', 'readlink', '/proc/self/ns/net'])).stdout.trim();
  expect(by['inside is elsewhere'].seen[1]).toBe(inode);
});

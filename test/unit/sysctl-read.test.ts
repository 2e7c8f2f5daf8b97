// Sysctls are read from /proc/sys (io/read-live.ts): the host's by topo itself, another namespace's by one
// `grep -H '' FILE...` in it. Only "no such file" means "no such sysctl"; any other failure to read is an error.
import { describe, expect, it } from 'vitest';
import { parseSysctlRead, readLive, sysctlReadArgv } from '../../src/io/read-live.js';
import type { RunResult, Runner } from '../../src/io/runner.js';
import { TopoError } from '../../src/errors.js';

const KEYS = ['net.ipv4.ip_forward', 'net.ipv4.tcp_rmem', 'net.ipv6.conf.all.forwarding'];
const res = (stdout: string, stderr = '', exitCode = 0): RunResult => ({ stdout, stderr, exitCode });
/** An empty namespace's answer to a read batch: one empty document per show line. */
const nothing = (input = '') => res(input.split('\n').filter(Boolean).map(() => '[]\n').join(''));

describe('reading sysctls from /proc/sys', () => {
  it('a namespace: one grep in it, no sysctl command', () => {
    expect(sysctlReadArgv('ns1', KEYS.slice(0, 2))).toEqual(
      ['ip', 'netns', 'exec', 'ns1', 'grep', '-H', '', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/tcp_rmem']);
  });

  it('values by key; a key the kernel does not have (no such file) is left out', () => {
    const r = res('/proc/sys/net/ipv4/ip_forward:1\n/proc/sys/net/ipv4/tcp_rmem:4096\t131072\t6291456\n',
      'grep: /proc/sys/net/ipv6/conf/all/forwarding: No such file or directory\n', 2);
    expect(parseSysctlRead(KEYS, r)).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv4.tcp_rmem': '4096\t131072\t6291456' });
  });

  it('a value with a colon, and an empty one', () => {
    const r = res('/proc/sys/net/ipv4/ip_forward:a:b\n/proc/sys/net/ipv4/tcp_rmem:\n');
    expect(parseSysctlRead(KEYS.slice(0, 2), r)).toEqual({ 'net.ipv4.ip_forward': 'a:b', 'net.ipv4.tcp_rmem': '' });
  });

  it('any other failure is not a read: permission denied, grep or ip missing, the process not started', () => {
    for (const r of [
      res('/proc/sys/net/ipv4/ip_forward:1\n', 'grep: /proc/sys/net/ipv4/tcp_rmem: Permission denied\n', 2),
      res('', 'exec of "grep" failed: No such file or directory\n', 255),
      res('', 'ip: command not found', 127),
      res('', 'ip could not be started: too many open files (EMFILE)', 126),
      res('', '', 139),
    ]) expect(typeof parseSysctlRead(KEYS, r), r.stderr).toBe('string');
  });

  it('readLive: a failed read of a namespace\'s sysctls is an error naming the command, not "no such sysctl"', async () => {
    const run: Runner = async (argv, opts) => {
      if (argv.join(' ') === 'ip -json netns list') return res('[{"name":"ns1"}]');
      if (argv.includes('-batch')) return nothing(opts?.input);
      return res('', 'exec of "grep" failed: No such file or directory\n', 255);
    };
    const read = readLive(run, { namespaces: ['ns1'], sysctls: { ns1: ['net.ipv4.ip_forward'] } });
    await expect(read).rejects.toThrow(TopoError);
    await expect(read).rejects.toThrow(/reading the kernel failed: ip netns exec ns1 grep -H {2}\/proc\/sys\/net\/ipv4\/ip_forward: exec of "grep" failed/);
  });

  it('readLive: the host\'s sysctls are read in topo itself; a failed read is an error, a missing one left out', async () => {
    const run: Runner = async (argv, opts) => {
      if (argv.join(' ') === 'ip -json netns list') return res('[]');
      if (argv.includes('-batch')) return nothing(opts?.input);
      throw new Error(`no process expected: ${argv.join(' ')}`);
    };
    const fail = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
    const procSys = (values: Record<string, string | Error>) => (path: string) => {
      const v = values[path] ?? fail('ENOENT');
      if (v instanceof Error) throw v;
      return v;
    };
    const ok = await readLive(run, { namespaces: [], sysctls: { host: KEYS.slice(0, 2) }, procSys: procSys({ '/proc/sys/net/ipv4/ip_forward': '1\n' }) });
    expect(ok.ns.host.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    await expect(readLive(run, { namespaces: [], sysctls: { host: KEYS.slice(0, 1) }, procSys: procSys({ '/proc/sys/net/ipv4/ip_forward': fail('EIO') }) }))
      .rejects.toThrow(/reading the kernel failed: \/proc\/sys\/net\/ipv4\/ip_forward: EIO/);
  });
});

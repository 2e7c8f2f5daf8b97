// Guarantee: sysctls are read and written through /proc/sys, never with the `sysctl` command (a cron job's PATH or a
// minimal image may not have it), and a sysctl that can't be read is a failure, never "no such sysctl": a destroy
// that could not read a host sysctl must not report "nothing left" while leaving it changed and dropping the record
// of its old value.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml'); // a host sysctl (ip_forward 0 -> 1), namespace sysctls, an IPv6 namespace

/** A directory of links to the system's commands, leaving out some. */
function binWithout(...left: string[]): string {
  const dir = mkdtempSync('/tmp/topo-bin-');
  for (const from of ['/usr/bin', '/usr/sbin']) {
    for (const name of readdirSync(from)) {
      if (left.includes(name)) continue;
      try { symlinkSync(`${from}/${name}`, `${dir}/${name}`); } catch { /* in both: the first one */ }
    }
  }
  return dir;
}

describe('sysctls through /proc/sys', () => {
  let sb: Sandbox;
  let empty: KernelState;
  let noSysctl: string, noGrep: string, traceDir: string, trace: string;
  beforeAll(() => {
    noSysctl = binWithout('sysctl');
    noGrep = binWithout('sysctl', 'grep');
    traceDir = mkdtempSync('/tmp/topo-trace-');
    trace = `${traceDir}/trace`;
  });
  afterAll(() => { for (const d of [noSysctl, noGrep, traceDir]) rmSync(d, { recursive: true, force: true }); });
  beforeEach(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); writeFileSync(trace, ''); });
  afterEach(async () => { await sb.close(); });

  const started = () => readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);

  it('without `sysctl` on the PATH: destroy puts the host sysctl back and removes the record; apply sets every sysctl', async () => {
    expect(empty.host.sysctls['net.ipv4.ip_forward']).toBe('0');
    expectOk(await sb.topo(['apply', BIG]));
    const d = await sb.topo(['destroy', BIG], { PATH: noSysctl, TOPO_TRACE_FILE: trace });
    expectOk(d);
    expect(await kernelState(sb)).toEqual(empty); // ip_forward back to 0, nothing left
    expect(await stateFiles(sb)).toEqual([]);
    expectOk(await sb.topo(['apply', BIG], { PATH: noSysctl, TOPO_TRACE_FILE: trace }));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG)); // host and namespace sysctls, IPv6 settings
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'], { PATH: noSysctl })).exitCode).toBe(0);
    expect(started().filter((a) => a.includes('sysctl'))).toEqual([]);
  });

  it('a namespace sysctl that can\'t be read is a failure naming the command; nothing runs, nothing changes', async () => {
    expectOk(await sb.topo(['apply', BIG]));
    const applied = await kernelState(sb);
    // The ip engine's read (`grep` in each namespace; the netlink engine reads /proc/sys itself, in the namespace).
    const r = await sb.topo(['apply', BIG], { PATH: noGrep, TOPO_TRACE_FILE: trace, TOPO_ENGINE: 'ip' });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/reading the kernel failed: ip netns exec core grep -H {2}\/proc\/sys\/net\/\S+.*: exec of "grep" failed: No such file or directory/);
    expect(r.stderr).not.toMatch(STACK);
    expect(started().filter(isChange)).toEqual([]);
    expect(await kernelState(sb)).toEqual(applied);
  });
});

// Guarantee: if a step of an apply fails, topo undoes what this apply did and the kernel is as it found it
// (compared with `ip -json`, not exit codes); it reports the failing step, its argv, the kernel's message and
// the rollback. A failure during rollback is reported step by step and the next apply or destroy converges.
// --no-rollback keeps the partial state.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { kernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

const BIG = fixture('big.yaml');
const BIG_V2 = fixture('big-v2.yaml');
const LAB_NS = ['a', 'b', 'c', 'core', 'd'];

describe('rollback', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  it('a step failing late in the first apply of a large lab: the kernel is left exactly as it was', async () => {
    const before = await kernelState(sb);
    const r = await sb.topo(['apply', BIG], { TOPO_FAIL_COMMAND: '/proc/sys/net/ipv6/conf/all/forwarding' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('step "net.ipv6.conf.all.forwarding" failed: ip netns exec core tee /proc/sys/net/ipv6/conf/all/forwarding: injected failure');
    expect(r.stderr).toMatch(/rolling back: [1-9]\d* undo command\(s\) ran, newest first\n/);
    expect(r.stderr).not.toContain('converged back'); // undoing was enough: nothing the apply deleted
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(r.stderr).not.toMatch(STACK);
    expect(await kernelState(sb)).toEqual(before);
    expect(await stateFiles(sb)).toEqual([]); // no record, no lock left behind

    expectOk(await sb.topo(['apply', BIG]));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
  });

  it('a failed change to an existing lab (deletions, updates, creations) puts the previous lab back exactly', async () => {
    expectOk(await sb.topo(['apply', BIG]));
    const applied = await kernelState(sb, { mac: true });
    const record = await sb.run(['cat', '/run/topo/big.json']);

    // The very last step of the plan fails: every deletion, update and creation before it has run.
    const r = await sb.topo(['apply', BIG_V2, '--json'], { TOPO_FAIL_COMMAND: 'netns del d' });
    expect(r.exitCode).toBe(1);
    const err = JSON.parse(r.stdout).error;
    expect(err, err.message).toMatchObject({ code: 'E_COMMAND', argv: ['ip', 'netns', 'del', 'd'], rolledBack: true, rollbackErrors: [] });
    expect(err.stderr).toContain('injected failure');
    expect(err.undone.length).toBeGreaterThan(0);

    // Same interfaces (same MACs even for the pair that was deleted and re-created), addresses, routes, sysctls.
    // One kernel side effect can't be taken back: bringing c's lo up (v2) made the kernel give it 127.0.0.1/8,
    // which stays when the rollback sets lo down again. topo doesn't manage lo's addresses; everything else is equal.
    const after = await kernelState(sb, { mac: true });
    const lo = after.c.links.find((l) => l.ifname === 'lo')!;
    expect(lo).toMatchObject({ up: false, alias: 'topo:big', addrs: ['127.0.0.1/8'] });
    lo.addrs = [];
    after.c.routes = after.c.routes.filter((x) => !/^local local 127\.0\.0\.(0\/8|1) +lo kernel/.test(x));
    expect(after).toEqual(applied);
    expect((await sb.run(['cat', '/run/topo/big.json'])).stdout).toBe(record.stdout);
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('an object created by hand in the way after planning: real kernel error, rolled back, the object untouched', async () => {
    const before = await kernelState(sb);
    const gate = await TraceGate.create();
    try {
      const topo = startTopo(sb, ['apply', BIG], gate.env);
      let sabotaged = false;
      for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
        if (!sabotaged && cmds.some(isChange)) {
          // topo has planned (veth-h is free) and is about to run its first command: take the name.
          expectOk(await sb.run(['ip', 'link', 'add', 'veth-h', 'type', 'bridge']));
          sabotaged = true;
        }
      }
      const r = await topo.done;
      expect(sabotaged).toBe(true);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/step "veth-core@core <-> veth-h@host" failed: ip link add name veth-h .* type veth peer name veth-core .*: RTNETLINK answers: File exists\n/);
      expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    } finally { gate.close(); }

    const after = await kernelState(sb);
    const dummy = after.host.links.find((l) => l.ifname === 'veth-h');
    expect(dummy).toEqual({ ifname: 'veth-h', kind: 'bridge', up: false, carrier: false, mtu: 1500, master: undefined, alias: undefined,
      group: 'default', peer: undefined, addrs: [] });
    after.host.links = after.host.links.filter((l) => l !== dummy);
    expect(after).toEqual(before);
  });

  it('a failure during rollback is reported step by step; the next destroy, and the next apply, converge', async () => {
    const before = await kernelState(sb);
    const breakBoth = { TOPO_FAIL_COMMAND: '/proc/sys/net/ipv6/conf/all/forwarding', TOPO_FAIL_UNDO: 'netns del' };

    const r = await sb.topo(['apply', BIG], breakBoth);
    expect(r.exitCode).toBe(1);
    for (const ns of LAB_NS) expect(r.stderr).toContain(`undo failed: step "${ns}" failed: ip netns del ${ns}: injected failure (TOPO_FAIL_UNDO=netns del)`);
    expect(r.stderr).toContain('rollback incomplete:');
    for (const ns of LAB_NS) expect(r.stderr).toContain(`namespace:${ns}: present but not desired`);
    expect(r.stderr).not.toMatch(STACK);
    expect(await sb.netns()).toEqual(LAB_NS);

    expectOk(await sb.topo(['destroy', BIG]));
    expect(await kernelState(sb)).toEqual(before);

    expect((await sb.topo(['apply', BIG], breakBoth)).exitCode).toBe(1);
    expectOk(await sb.topo(['apply', BIG]));
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('--no-rollback keeps the partial state for debugging; destroy then removes it', async () => {
    const before = await kernelState(sb);
    const r = await sb.topo(['apply', BIG, '--no-rollback'], { TOPO_FAIL_COMMAND: '/proc/sys/net/ipv6/conf/all/forwarding' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('not rolled back (--no-rollback)');
    expect(await sb.netns()).toEqual(LAB_NS);
    expect((await sb.ipJson('core', 'link', 'show', 'dev', 'br0'))[0].ifalias).toBe('topo:big');

    expectOk(await sb.topo(['destroy', BIG]));
    expect(await kernelState(sb)).toEqual(before);
  });
});

// `topo link down|up` (failure injection) in the sandbox: the interface's state read back from the kernel
// (`ip -json link show`), the next plan showing it as drift and apply repairing it (then a no-op); --for putting it
// back after the time (and at once on SIGTERM, exiting 143); an interface the lab doesn't own, one that isn't
// there and a namespace the lab doesn't declare refused, the interface untouched.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';

const LAB = example('two-namespaces.yaml');
let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const flags = async (ns: string, iface: string) => (await sb.ipJson<{ flags: string[] }[]>(ns, 'link', 'show', 'dev', iface))[0].flags;
const isUp = async (ns: string, iface: string) => (await flags(ns, iface)).includes('UP');

describe('topo link', () => {
  it('down: read back; plan shows the drift, apply repairs it, then nothing to do; up brings it back', async () => {
    expect((await sb.topo(['apply', LAB])).exitCode).toBe(0);
    const down = await sb.topo(['link', 'down', LAB, 'ns1', 'veth1', '--json']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual({ format_version: 1, ok: true, lab: 'two-ns', namespace: 'ns1', interface: 'veth1', was: 'up', state: 'down' });
    expect(await isUp('ns1', 'veth1')).toBe(false);
    expect(await sb.ping('ns2', '192.168.1.1')).toBe(false);
    const plan = await sb.topo(['plan', LAB, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ veth-end veth1 (up: false -> true)');
    expect((await sb.topo(['apply', LAB])).exitCode).toBe(0);
    expect(await isUp('ns1', 'veth1')).toBe(true);
    expect((await sb.topo(['plan', LAB, '--detailed-exitcode'])).exitCode).toBe(0);

    const text = await sb.topo(['link', 'down', LAB, 'ns2', 'veth2']);
    expect(text.stdout).toBe('veth2 in ns2: down (was up; the next topo apply puts it back as the file says)');
    expect((await sb.topo(['link', 'up', LAB, 'ns2', 'veth2'])).exitCode).toBe(0);
    expect(await isUp('ns2', 'veth2')).toBe(true);
    expect(await sb.ping('ns2', '192.168.1.1')).toBe(true);
  });

  it('--for: back as it was after the time; at once on SIGTERM (exit 143)', async () => {
    expect((await sb.topo(['apply', LAB])).exitCode).toBe(0);
    const r = await sb.topo(['link', 'down', LAB, 'ns1', 'veth1', '--for', '1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ was: 'up', state: 'down', forSeconds: 1, restored: 'up' });
    expect(await isUp('ns1', 'veth1')).toBe(true);

    // Down for a long time, then SIGTERM: up again before topo exits. The state in between is read from the kernel.
    const cut = await sb.sh(`${process.execPath} ${TOPO} link down ${LAB} ns1 veth1 --for 600 --json > /run/link.json 2>/run/link.err & p=$!
      for i in $(seq 200); do ip -n ns1 -json link show dev veth1 | grep -q '"UP"' || break; sleep 0.05; done
      ip -n ns1 -json link show dev veth1 > /run/link-during.json
      kill -TERM $p; rc=0; wait $p || rc=$?; echo "rc=$rc"`);
    expect(cut.stdout).toBe('rc=143');
    expect(JSON.parse((await sb.run(['cat', '/run/link-during.json'])).stdout)[0].flags).not.toContain('UP');
    expect(JSON.parse((await sb.run(['cat', '/run/link.json'])).stdout)).toMatchObject({ state: 'down', restored: 'up', interrupted: 'SIGTERM' });
    expect(await isUp('ns1', 'veth1')).toBe(true);
  });

  it('refuses what is not the lab\'s: an interface without its mark, a missing one, an undeclared namespace', async () => {
    expect((await sb.topo(['apply', LAB])).exitCode).toBe(0);
    expect((await sb.run(['ip', '-n', 'ns1', 'link', 'add', 'extra0', 'up', 'type', 'veth', 'peer', 'name', 'extra1'])).exitCode).toBe(0);
    const foreign = await sb.topo(['link', 'down', LAB, 'ns1', 'extra0']);
    expect(foreign.exitCode).toBe(1);
    expect(foreign.stderr).toContain('interface extra0 in namespace ns1 is not lab "two-ns"\'s: topo link changes only the lab\'s own interfaces');
    expect(await flags('ns1', 'extra0')).toContain('UP');
    const missing = await sb.topo(['link', 'down', LAB, 'ns1', 'nosuch']);
    expect([missing.exitCode, missing.stderr]).toEqual([64, 'error: there is no interface "nosuch" in namespace ns1']);
    const undeclared = await sb.topo(['link', 'down', LAB, 'other', 'veth1', '--json']);
    expect(undeclared.exitCode).toBe(64);
    expect(JSON.parse(undeclared.stdout)).toMatchObject({ ok: false });
    expect(await isUp('ns1', 'veth1')).toBe(true);
  });
});

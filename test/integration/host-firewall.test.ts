// The host firewall check (ops/host-firewall.ts) against real kernel state in the sandbox: a lab with a bridge in
// the host namespace, two namespaces on it. A Docker-style `table ip filter` whose FORWARD chain drops by policy
// really drops their bridged pings while br_netfilter passes bridged frames to the IP hooks
// (net.bridge.bridge-nf-call-iptables, per network namespace: set here in the sandbox's own, never the machine's;
// the module itself is already loaded on this machine and is not loaded by the test); apply and test say so,
// with the way out, and --json carries the code. Without the table, or with the switch off, nothing is said.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';

const LAB = `name: hostbr
namespaces:
  a: {}
  b: {}
bridges:
  br9: {}
veths:
  - ends:
      - { name: a-br, bridge: br9 }
      - { name: eth0, namespace: a, addresses: [10.9.0.1/24] }
  - ends:
      - { name: b-br, bridge: br9 }
      - { name: eth0, namespace: b, addresses: [10.9.0.2/24] }
tests:
  - { from: a, ping: 10.9.0.2 }
`;
const BRNF = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const DROP = "nft add table ip filter && nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'";

let dir: string, file: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-hostfw-')); file = join(dir, 'hostbr.yaml'); writeFileSync(file, LAB); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host firewall check', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await Sandbox.create();
    // br_netfilter is loaded on this machine (its switches exist in every network namespace); the test needs it.
    expect((await sb.sh(`test -f ${BRNF} && echo 1 > ${BRNF} && cat ${BRNF}`)).stdout).toBe('1');
  });
  afterEach(async () => { await sb.close(); });

  it('a forward chain with policy drop: the bridged ping really fails, apply and test warn with the way out', async () => {
    expect((await sb.sh(DROP)).exitCode).toBe(0);
    const applied = await sb.topo(['apply', '-q', file]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('warning: lab "hostbr": the host firewall\'s chain ip filter FORWARD (hook forward, policy drop) drops bridged traffic on br9');
    expect(applied.stderr).toContain('hint: accept the lab\'s interfaces before the drop: nft insert rule ip filter FORWARD iifname br9 accept');
    expect(applied.stderr).toContain('iptables -I DOCKER-USER -i br9 -j ACCEPT');
    expect(applied.stderr).toContain('topo sandbox FILE');
    // The kernel agrees: the ping across the host bridge is dropped.
    expect(await sb.ping('a', '10.9.0.2')).toBe(false);
    const tested = await sb.topo(['test', file, '--json']);
    expect(tested.exitCode).toBe(1);
    expect(JSON.parse(tested.stdout)).toMatchObject({ ok: false, warnings: [{ code: 'host-forward-drop' }] });
    const json = JSON.parse((await sb.topo(['apply', '--json', file])).stdout);
    expect(json.warnings).toEqual([expect.objectContaining({ code: 'host-forward-drop', hint: expect.stringContaining('nft insert rule') })]);

    // The way out it names works: the bridge accepted before the drop, the ping goes through.
    expect((await sb.sh('nft insert rule ip filter FORWARD iifname br9 accept && nft insert rule ip filter FORWARD oifname br9 accept')).exitCode).toBe(0);
    expect(await sb.ping('a', '10.9.0.2')).toBe(true);
  });

  it('a forward chain of family bridge with policy drop is said too, whatever br_netfilter does', async () => {
    expect((await sb.sh(`echo 0 > ${BRNF} && nft add table bridge f && nft add chain bridge f dropall '{ type filter hook forward priority 0; policy drop; }'`)).exitCode).toBe(0);
    const applied = await sb.topo(['apply', '-q', file]);
    expect(applied.stderr).toContain('the host firewall\'s chain bridge f dropall (hook forward, policy drop) drops bridged traffic on br9');
    expect(await sb.ping('a', '10.9.0.2')).toBe(false);
  });

  it('no table: no warning, and the ping goes through', async () => {
    const applied = await sb.topo(['apply', '-q', file]);
    expect(applied.exitCode).toBe(0);
    expect(applied.stderr).not.toContain('warning');
    const tested = await sb.topo(['test', file, '--json']);
    expect(JSON.parse(tested.stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(tested.stdout).warnings).toBeUndefined();
  });

  it('the ip table but br_netfilter off and the host not forwarding: bridged frames never reach it, nothing said', async () => {
    expect((await sb.sh(`echo 0 > ${BRNF} && echo 0 > /proc/sys/net/ipv4/ip_forward && ${DROP}`)).exitCode).toBe(0);
    const applied = await sb.topo(['apply', '-q', file]);
    expect(applied.stderr).not.toContain('warning');
    expect(await sb.ping('a', '10.9.0.2')).toBe(true);
  });

  it('a lab with nothing in the host namespace: no nft read at all', async () => {
    expect((await sb.sh(DROP)).exitCode).toBe(0);
    const two = join(dir, 'two.yaml');
    writeFileSync(two, 'name: two\nnamespaces:\n  x: {}\n  y: {}\nveths:\n  - ends: [{ name: v0, namespace: x }, { name: v1, namespace: y }]\n');
    const trace = '/run/fw-trace';
    const applied = await sb.topo(['apply', '-q', two], { TOPO_TRACE_FILE: trace });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stderr).not.toContain('warning');
    expect((await sb.run(['cat', trace])).stdout).not.toContain('"chains"');
  });
});

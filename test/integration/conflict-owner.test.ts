// A declared object held by something this lab does not own is refused by name, with its owner and what to do:
// another lab's ("belongs to lab X": remove that lab with topo destroy, or rename), the host's own (never advised
// to be removed, like the host's default route), or nobody's. A cascade (every object inside another lab's
// namespace) is collapsed under its root cause. Nothing is changed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { kernelState } from '../helpers/kernel-state.js';

// ns1 is lab two-ns's (examples/two-namespaces.yaml), with veth1 in it; the host has a default route of its own.
const OTHER = `name: routed6
namespaces:
  ns1:
    routes:
      - { to: default, via: 192.168.1.2 }
  h9: { sysctls: { net.ipv4.ip_forward: 1 } }   # the gateway of ns1 and the host: it forwards
  host:
    routes:
      - { to: default, via: 10.9.0.1, dev: eth-up }
veths:
  - ends:
      - { name: veth1, namespace: ns1, addresses: [192.168.1.1/24] }
      - { name: veth2, namespace: h9, addresses: [192.168.1.2/24] }
  - ends:
      - { name: eth-up, namespace: host, addresses: [10.9.0.2/24] }
      - { name: eth-dn, namespace: h9, addresses: [10.9.0.1/24] }
`;

let dir: string, sb: Sandbox;
beforeAll(() => { dir = mkdtempSync('/tmp/topo-conflict-'); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

describe('conflicts name the owner and the root cause', () => {
  it("another lab's namespace: its lab named, the objects inside it collapsed under it; the host's default route never advised away", async () => {
    expect((await sb.topo(['apply', example('two-namespaces.yaml')])).exitCode).toBe(0);
    const setup = await sb.sh('ip link add up0 type veth peer name up1 && ip addr add 10.8.0.1/24 dev up0 && ip link set up0 up && ip link set up1 up && ip route add default via 10.8.0.2');
    expect(setup.exitCode, setup.stderr).toBe(0);
    const file = `${dir}/routed6.yaml`;
    writeFileSync(file, OTHER);
    const before = await kernelState(sb);

    const r = await sb.topo(['apply', file]);
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.split('\n');
    // The root cause first, naming the lab that owns it and how to remove that lab.
    expect(lines[1]).toBe('  ns1: namespace ns1 belongs to lab "two-ns": remove that lab first (topo destroy with its file), or rename it in this file');
    // The interface in that namespace is its consequence, listed under it, not as a conflict of its own.
    expect(lines[2]).toBe('    and inside it, 1 more in the way: veth2@h9 <-> veth1@ns1 (interface veth1 in ns1)');
    expect(lines.filter((l) => /^ {2}\S/.test(l))).toHaveLength(2);
    // The host's default route: never "remove it yourself".
    const route = lines.find((l) => l.startsWith('  default via 10.9.0.1 dev eth-up in host: '))!;
    expect(route).toContain("route default via 10.8.0.2 dev up0 in host already exists and is not owned by lab \"routed6\": it is the host's own, which topo never changes");
    expect(r.stderr).not.toMatch(/remove (the existing|it) yourself|ip route del|delete it/);
    expect(await kernelState(sb)).toEqual(before);

    const json = JSON.parse((await sb.topo(['plan', file, '--json'])).stdout).error;
    expect(json.code).toBe('E_NOT_OWNED');
    expect(json.conflicts).toEqual([
      { key: 'namespace:ns1', label: 'ns1', ns: 'ns1', holder: 'namespace ns1', path: '/namespaces/ns1', owner: 'two-ns' },
      expect.objectContaining({ label: 'veth2@h9 <-> veth1@ns1', holder: 'interface veth1 in ns1', owner: 'two-ns', cause: 'namespace:ns1' }),
      expect.objectContaining({ label: 'default via 10.9.0.1 dev eth-up', ns: 'host', holder: 'route default via 10.8.0.2 dev up0 in host' }),
    ]);
    expect(json.conflicts[2].owner).toBeUndefined();
  });
});

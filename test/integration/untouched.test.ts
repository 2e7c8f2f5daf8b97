// Guarantee: nothing outside the lab is touched. For every example, with decoys around it — another lab applied
// beside it, unowned namespaces named like the lab's, unowned interfaces named like the lab's in other namespaces
// (with an address and a route through them), unowned routes in the host and in a namespace the lab created,
// nftables tables, a host
// sysctl — apply, re-apply and destroy leave every object the lab does not own exactly as it was (compared with
// `ip -json`, `nft -j` and sysctl), and a host sysctl the lab changed is back to its previous value.
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, example } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { expectOk, fixture } from '../helpers/reference.js';
import { settled, stpBridges } from '../helpers/stp.js';

// Single-host examples: one that spans machines (machines:) is applied host by host over SSH in hosts-ssh.test.ts, and
// each host's part is a single-host lab (host-slices.test.ts).
const EXAMPLES = readdirSync(`${ROOT}examples`).filter((f) => f.endsWith('.yaml') && !parse(readFileSync(`${ROOT}examples/${f}`, 'utf8')).machines).sort();
const DECOY_LAB = fixture('decoy.yaml');

interface Lab { name: string; namespaces: string[]; ifaces: { ns: string; name: string }[]; hostSysctls: string[] }

function labOf(file: string): Lab {
  const t = parse(readFileSync(file, 'utf8'));
  const ifaces = [
    ...Object.entries(t.bridges ?? {}).map(([name, b]: [string, any]) => ({ ns: b?.namespace ?? 'host', name })),
    ...(t.veths ?? []).flatMap((v: any) => v.ends.map((e: any) => ({ ns: e.namespace ?? 'host', name: e.name }))),
  ];
  return {
    name: t.name, ifaces, namespaces: Object.keys(t.namespaces ?? {}).filter((n) => n !== 'host'),
    hostSysctls: Object.keys(t.namespaces?.host?.sysctls ?? {}),
  };
}

/** For each lab, a name like one of its namespaces that is no lab's: another case, or a suffix. */
function lookalikes(labs: Lab[]): string[] {
  const taken = new Set(labs.flatMap((l) => l.namespaces));
  const out = new Set<string>();
  for (const lab of labs) {
    const n = lab.namespaces[0];
    const c = [n === n.toLowerCase() ? n.toUpperCase() : n.toLowerCase(), `${n}x`].find((x) => !taken.has(x));
    if (c) out.add(c);
  }
  return [...out].sort();
}

/** Decoys no lab may touch, made by hand (so unowned), for all the examples at once. */
async function plantDecoys(sb: Sandbox, labs: Lab[], nft: boolean): Promise<void> {
  const script: string[] = [];
  const names = [...new Set(labs.flatMap((l) => l.ifaces.map((i) => i.name)))].sort();
  lookalikes(labs).forEach((ns, i) => {
    script.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
    // Every interface name the labs use, in a namespace that is no lab's.
    for (const name of names) script.push(`ip -n ${ns} link add ${name} type bridge`);
    script.push(`ip -n ${ns} link set ${names[0]} up`, `ip -n ${ns} addr add 10.201.${i}.1/24 dev ${names[0]}`,
      `ip -n ${ns} route add 10.202.${i}.0/24 via 10.201.${i}.2 dev ${names[0]} proto static`);
  });
  // In the host: the labs' interface names that no lab puts in the host; one more with an address and routes.
  for (const name of names.filter((n) => !labs.some((l) => l.ifaces.some((i) => i.ns === 'host' && i.name === n)))) {
    script.push(`ip link add ${name} type bridge`);
  }
  script.push('ip link add decoy0 type bridge', 'ip link set decoy0 up', 'ip addr add 10.203.0.1/24 dev decoy0',
    'ip route add 10.204.0.0/16 via 10.203.0.2 dev decoy0 proto static', 'ip route add 10.205.0.0/16 dev decoy0 metric 7',
    'sysctl -q -w net.ipv4.conf.default.rp_filter=2');
  if (nft) {
    script.push('nft add table inet decoy', "nft add chain inet decoy input '{ type filter hook input priority 0; policy accept; }'",
      'nft add rule inet decoy input tcp dport 9 counter drop', 'nft add table ip nat',
      "nft add chain ip nat post '{ type nat hook postrouting priority 100; }'", 'nft add rule ip nat post oifname decoy0 masquerade');
  }
  const r = await sb.sh(script.join('\n'));
  expect(r.exitCode, r.stderr).toBe(0);
}

/** Everything in `before` that is not the lab's is still in `now`, unchanged. */
function expectUnownedKept(before: KernelState, now: KernelState, lab: Lab) {
  for (const [ns, b] of Object.entries(before)) {
    const n = now[ns];
    expect(n, `namespace ${ns}`).toBeDefined();
    if (ns !== 'host') { expect(n, `namespace ${ns}`).toEqual(b); continue; }
    for (const l of b.links) expect(n.links, `host link ${l.ifname}`).toContainEqual(l);
    for (const r of b.routes) expect(n.routes, `host route ${r}`).toContain(r);
    for (const o of b.nft as unknown[]) expect(n.nft as unknown[]).toContainEqual(o);
    // A host sysctl the lab sets moves others with it (ip_forward flips conf.all.forwarding, accept_redirects...):
    // then only the final comparison, after destroy, applies.
    if (!lab.hostSysctls.length) expect(n.sysctls).toEqual(b.sysctls);
  }
}

// One sandbox for all the examples, one after the other: decoys and the other lab are planted once, and each
// example must leave the sandbox exactly as it found it (which is also what the next example starts from).
describe('nothing outside the lab is touched', () => {
  let sb: Sandbox;
  let before: KernelState;
  beforeAll(async () => {
    sb = await Sandbox.create();
    const nft = (await sb.run(['nft', '--version'])).exitCode === 0;
    expectOk(await sb.topo(['apply', DECOY_LAB]));
    await plantDecoys(sb, EXAMPLES.map((f) => labOf(example(f))), nft);
    before = await kernelState(sb, { mac: true });
    if (nft) expect(JSON.stringify(before.host.nft)).toContain('"decoy"');
  });
  afterAll(async () => { await sb.close(); });

  for (const file of EXAMPLES) {
    it(`${file}: decoys, another lab, tables and sysctls are identical before and after apply, re-apply and destroy`, async () => {
      const lab = labOf(example(file));
      expectOk(await sb.topo(['apply', example(file)]));
      // A bridge with STP gets its carrier (and the IPv6 routes that come with it) seconds later, by itself.
      for (const [ns, br] of stpBridges(example(file))) await settled(sb, ns, br);
      // An unowned route in a namespace the lab created (the host, a lab namespace for labs with host objects,
      // has its own above): re-apply has nothing to do and touches nothing, that route included.
      const first = lab.ifaces.find((i) => i.ns !== 'host')!;
      expectOk(await sb.run(['ip', '-n', first.ns, 'route', 'add', '192.0.2.77/32', 'dev', first.name, 'proto', 'static']));
      const applied = await kernelState(sb, { mac: true });
      expectUnownedKept(before, applied, lab);
      expect(applied[first.ns].routes).toContain(`main unicast 192.0.2.77 ${''} ${first.name} static  link `);

      const again = await sb.topo(['apply', example(file), '--json']);
      expectOk(again);
      expect(JSON.parse(again.stdout).changed).toBe(false);
      expect(await kernelState(sb, { mac: true })).toEqual(applied);

      expectOk(await sb.topo(['destroy', example(file)]));
      // Everything as before, to the MAC address; the host sysctl the lab changed (if any) is back.
      expect(await kernelState(sb, { mac: true })).toEqual(before);
    });
  }

  it('the other lab is still exactly as it was applied', async () => {
    expect((await sb.topo(['plan', DECOY_LAB, '--detailed-exitcode'])).exitCode).toBe(0);
  });
});

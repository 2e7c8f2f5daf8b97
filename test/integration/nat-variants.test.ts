// The NAT variants of issue 13 against the kernel, inside the sandbox, proven with real TCP and ping:
// - port-publishing.yaml (Docker-style): the published port reaches web from outside and from the publishing
//   namespace's own connections (output hook, fib daddr type local), web reaches outside masqueraded; the table
//   read back with nft -j; a rule deleted by hand is drift that apply repairs; an edit is planned rule by rule;
// - test/fixtures/nat/variants.yaml: SNAT to a fixed address (seen by the server), masquerade without `out`, a
//   port range forward (ports kept), a target port range (every connection to its first port: measured),
//   all-protocol DNAT (ping and TCP to an address nobody has, answered by w), DNAT to 127.0.0.1 with route_localnet.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveTable } from '../../src/kinds/nft-table.js';
import { Sandbox, ROOT, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { tcpConnect, tcpServer, type TcpServer } from '../helpers/tcp.js';
import { editedLab as edited } from '../helpers/scratch.js';

const PUBLISHING = example('port-publishing.yaml');
const VARIANTS = `${ROOT}test/fixtures/nat/variants.yaml`;

/** The lab's table in `ns`, read back with `nft -j` and printed by topo's reader: chain → [header, ...rules]. */
async function table(sb: Sandbox, ns: string, name: string): Promise<Record<string, string[]> | undefined> {
  const r = await sb.run(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', name]);
  if (r.exitCode !== 0) return undefined;
  const t = liveTable(JSON.parse(r.stdout), name)!;
  expect(t.others).toEqual([]);
  return Object.fromEntries(t.chains.map((c) => [c.name, [c.header, ...c.rules]]));
}

describe('NAT variants', () => {
  let sb: Sandbox;
  const servers: TcpServer[] = [];
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    await sb.close();
  });
  const serve = async (ns: string, port: number, reply = `${ns}:${port} sees {peer}`) => { servers.push(await tcpServer(sb, ns, port, reply)); };

  it('port publishing: outside and the host\'s own connections reach web through the published port; web goes out masqueraded', async () => {
    const applied = await sb.topo(['apply', PUBLISHING, '--test']);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);

    expect(await table(sb, 'docker-host', 'topo-port-publishing')).toEqual({
      postrouting: ['type nat hook postrouting priority srcnat; policy accept;', 'ip saddr 172.17.0.0/16 masquerade'],
      prerouting: ['type nat hook prerouting priority dstnat; policy accept;', 'fib daddr type local tcp dport 8080 dnat ip to 172.17.0.2:80'],
      'nat-output': ['type nat hook output priority -100; policy accept;', 'fib daddr type local tcp dport 8080 dnat ip to 172.17.0.2:80'],
    });

    await serve('web', 80);
    // From outside, to the host's address: web sees the client itself (DNAT only).
    expect(await tcpConnect(sb, 'client', '198.51.100.1', 8080)).toEqual({ result: 'open', reply: 'web:80 sees 198.51.100.2' });
    // The host's own connections, to either of its addresses (the output hook): web sees the address connected to.
    expect(await tcpConnect(sb, 'docker-host', '198.51.100.1', 8080)).toEqual({ result: 'open', reply: 'web:80 sees 198.51.100.1' });
    expect(await tcpConnect(sb, 'docker-host', '172.17.0.1', 8080)).toEqual({ result: 'open', reply: 'web:80 sees 172.17.0.1' });
    // ...but not to 127.0.0.1, which `local` matches too: the source stays 127.0.0.1, web answers its own loopback.
    expect((await tcpConnect(sb, 'docker-host', '127.0.0.1', 8080, 1000)).result).toBe('timeout');
    // web's own connections out: the client sees the host's address (masquerade without `out`).
    await serve('client', 9000);
    expect(await tcpConnect(sb, 'web', '198.51.100.2', 9000)).toEqual({ result: 'open', reply: 'client:9000 sees 198.51.100.1' });
    // Only the published port: web's port 80 itself is not reachable from outside.
    expect((await tcpConnect(sb, 'client', '172.17.0.2', 80, 1000)).result).not.toBe('open');

    const again = await sb.topo(['apply', PUBLISHING, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);

    // A rule deleted by hand: the host's own connections find nothing listening on 8080; plan shows it, apply repairs.
    expect((await sb.run(['ip', 'netns', 'exec', 'docker-host', 'nft', 'flush', 'chain', 'inet', 'topo-port-publishing', 'nat-output'])).exitCode).toBe(0);
    expect((await tcpConnect(sb, 'docker-host', '198.51.100.1', 8080)).result).toBe('refused');
    const drift = await sb.topo(['plan', PUBLISHING, '--detailed-exitcode']);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ nftables table inet topo-port-publishing');
    expect(drift.stdout).toContain('nat-output: none -> fib daddr type local tcp dport 8080 dnat ip to 172.17.0.2:80');
    expect((await sb.topo(['apply', PUBLISHING])).exitCode).toBe(0);
    expect(await tcpConnect(sb, 'docker-host', '198.51.100.1', 8080)).toEqual({ result: 'open', reply: 'web:80 sees 198.51.100.1' });

    // An edit (publish 8081 instead, for outside only) is planned rule by rule, and the output chain goes.
    const moved = edited(PUBLISHING, (d) => { Object.assign(d.namespaces['docker-host'].nat.forward[0], { port: 8081, output: false }); });
    const plan = await sb.topo(['plan', moved]);
    expect(plan.stdout).toContain('prerouting: fib daddr type local tcp dport 8080 dnat ip to 172.17.0.2:80 -> none');
    expect(plan.stdout).toContain('prerouting: none -> fib daddr type local tcp dport 8081 dnat ip to 172.17.0.2:80');
    expect(plan.stdout).toContain('chain nat-output: type nat hook output priority -100; policy accept; -> none');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to change, 0 to delete.');
    expect((await sb.topo(['apply', moved])).exitCode).toBe(0);
    expect(Object.keys((await table(sb, 'docker-host', 'topo-port-publishing'))!)).toEqual(['postrouting', 'prerouting']);
    expect(await tcpConnect(sb, 'client', '198.51.100.1', 8081)).toEqual({ result: 'open', reply: 'web:80 sees 198.51.100.2' });
    expect((await tcpConnect(sb, 'docker-host', '198.51.100.1', 8081)).result).toBe('refused');
    expect((await sb.topo(['plan', moved, '--detailed-exitcode'])).exitCode).toBe(0);

    expect((await sb.topo(['destroy', moved])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('variants: SNAT to a fixed address, masquerade without out, port ranges, all-protocol DNAT, DNAT to 127.0.0.1', async () => {
    const applied = await sb.topo(['apply', VARIANTS]);
    expect(applied.exitCode).toBe(0);
    // The file's one warning (a target port range, measured below) is shown, and nothing else.
    expect(withoutProgress(applied.stderr)).toMatch(/^\S+variants\.yaml:18:56: warning: connections to ports 9100-9110 all go to port 9000 .*\n {2}hint: .*$/);

    expect(await table(sb, 'r', 'topo-nat-variants')).toEqual({
      postrouting: ['type nat hook postrouting priority srcnat; policy accept;',
        'ip saddr 10.0.2.0/24 masquerade', 'oifname "rc" ip saddr 10.0.1.0/24 snat ip to 192.0.2.1'],
      prerouting: ['type nat hook prerouting priority dstnat; policy accept;',
        'iifname "rc" tcp dport 8000-8010 dnat ip to 10.0.1.2', 'iifname "rc" tcp dport 9100-9110 dnat ip to 10.0.1.2:9000-9010',
        'ip daddr 203.0.113.10 dnat ip to 10.0.1.2', 'iifname "rc" tcp dport 7000 dnat ip to 127.0.0.1:7001'],
    });

    // Source NAT: the server outside sees the fixed address for w, and r's own address for w2 (masquerade).
    await serve('c', 9000);
    expect(await tcpConnect(sb, 'w', '198.51.100.2', 9000)).toEqual({ result: 'open', reply: 'c:9000 sees 192.0.2.1' });
    expect(await tcpConnect(sb, 'w2', '198.51.100.2', 9000)).toEqual({ result: 'open', reply: 'c:9000 sees 198.51.100.1' });

    // A port range: each connection keeps its port.
    for (const p of [8003, 9000, 9003]) await serve('w', p);
    expect(await tcpConnect(sb, 'c', '198.51.100.1', 8003)).toEqual({ result: 'open', reply: 'w:8003 sees 198.51.100.2' });
    // A target port range: port 9103 is not kept but sent to the range's first port (what the warning says).
    expect(await tcpConnect(sb, 'c', '198.51.100.1', 9103)).toEqual({ result: 'open', reply: 'w:9000 sees 198.51.100.2' });

    // Every protocol to 203.0.113.10, an address no namespace has: w answers ping and TCP.
    expect(await sb.ping('c', '203.0.113.10')).toBe(true);
    expect(await tcpConnect(sb, 'c', '203.0.113.10', 9003)).toEqual({ result: 'open', reply: 'w:9003 sees 198.51.100.2' });
    // ...and without that rule nobody would: w2 is not behind it.
    expect(await sb.ping('c', '10.0.2.2')).toBe(false);

    // DNAT to r's 127.0.0.1, allowed by route_localnet on rc.
    await serve('r', 7001);
    expect(await tcpConnect(sb, 'c', '198.51.100.1', 7000)).toEqual({ result: 'open', reply: 'r:7001 sees 198.51.100.2' });

    const again = await sb.topo(['plan', VARIANTS, '--detailed-exitcode']);
    expect(again.exitCode).toBe(0);
    expect((await sb.topo(['destroy', VARIANTS])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

// NAT end to end, inside the sandbox: the router example masquerades its LAN (the server outside sees the
// router's address) and forwards a port to the inner web server; a rule added or deleted by hand inside the lab's
// table is repaired while another table is left alone; removing `nat:` removes the table; the single-node seed
// masquerades in the host, and destroy removes that table explicitly.
import { execa, type ResultPromise } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { scratchDir } from '../helpers/scratch.js';

const ROUTER = example('router-portforward.yaml');
const TABLE = 'topo-router-portfwd';

/** A TCP server that answers each connection with "<name> <peer address>" and exits by itself after 20 s. */
const LISTENER = `const [port, name] = process.argv.slice(1);
const s = require('net').createServer((c) => c.end(name + ' ' + c.remoteAddress.replace(/^::ffff:/, '') + '\\n'));
s.listen(Number(port), () => console.log('listening'));
setTimeout(() => process.exit(0), 20000);`;
const CLIENT = `const [host, port] = process.argv.slice(1);
const c = require('net').connect(Number(port), host); let out = '';
c.on('data', (d) => { out += d; }); c.on('end', () => process.stdout.write(out));
c.on('error', (e) => { console.error(e.message); process.exit(1); }); c.setTimeout(3000, () => { console.error('timeout'); process.exit(1); });`;

const nftText = (sb: Sandbox, ns: string, ...what: string[]) =>
  sb.run([...(ns === 'host' ? [] : ['ip', 'netns', 'exec', ns]), 'nft', 'list', ...what]);

describe('NAT', () => {
  let sb: Sandbox;
  const listeners: ResultPromise[] = [];
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => {
    for (const l of listeners.splice(0)) { l.kill('SIGKILL'); await l.catch(() => undefined); }
    await sb.close();
  });

  /** Start LISTENER in a namespace of the sandbox; resolves once it listens. Killed by PID after the test. */
  async function listen(ns: string, port: number, name: string): Promise<void> {
    const p = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', 'ip', 'netns', 'exec', ns, process.execPath, '-e', LISTENER, String(port), name],
      { reject: false, buffer: false, stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' });
    listeners.push(p);
    await new Promise<void>((resolve, reject) => {
      p.stdout!.once('data', () => resolve());
      p.once('exit', (code) => reject(new Error(`listener in ${ns} exited (${code})`)));
    });
  }
  const connect = (ns: string, host: string, port: number) =>
    sb.run(['ip', 'netns', 'exec', ns, process.execPath, '-e', CLIENT, host, String(port)], { timeoutMs: 10_000 });

  it('router: the outside server sees the router as source; a forwarded port reaches the inner server; topo test passes', async () => {
    const applied = await sb.topo(['apply', ROUTER]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);

    // Kernel state, read back: exactly the lab's table with the two declared rules.
    const listed = await nftText(sb, 'router', 'table', 'inet', TABLE);
    expect(listed.stdout).toBe([
      `table inet ${TABLE} {`,
      '\tchain postrouting {',
      '\t\ttype nat hook postrouting priority srcnat; policy accept;',
      '\t\toifname "veth-wan" ip saddr 10.0.1.0/24 masquerade',
      '\t}',
      '',
      '\tchain prerouting {',
      '\t\ttype nat hook prerouting priority dstnat; policy accept;',
      '\t\tiifname "veth-wan" tcp dport 8080 dnat ip to 10.0.1.2:80',
      '\t}',
      '}',
    ].join('\n')); // (execa strips the final newline)

    // Source NAT: the client (10.0.1.3) talks to the server outside, which sees the router's WAN address.
    await listen('server', 9000, 'server');
    const seen = await connect('client', '198.51.100.2', 9000);
    expect(seen.stderr).toBe('');
    expect(seen.stdout).toBe('server 198.51.100.1');

    // Port forwarding: the server reaches the web server behind the router through the router's port 8080.
    await listen('web', 80, 'web');
    const fwd = await connect('server', '198.51.100.1', 8080);
    expect(fwd.stderr).toBe('');
    expect(fwd.stdout).toBe('web 198.51.100.2');
    // ...and without the forward the LAN is not reachable from outside at all.
    expect((await connect('server', '10.0.1.2', 80)).exitCode).not.toBe(0);

    const tested = await sb.topo(['test', ROUTER, '--json']);
    expect(tested.exitCode).toBe(0);
    const rep = JSON.parse(tested.stdout);
    expect(rep.ok).toBe(true);
    expect(rep.results.map((r: { from: string; address: string; result: string }) => `${r.from}>${r.address}:${r.result}`)).toEqual([
      'client>10.0.1.2:reachable', 'client>198.51.100.2:reachable', 'server>198.51.100.1:reachable', 'server>10.0.1.2:unreachable',
    ]);

    const destroyed = await sb.topo(['destroy', ROUTER]);
    expect(destroyed.exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('router: hand edits inside the lab table are repaired, another table is untouched, removing nat: removes the table', async () => {
    expect((await sb.topo(['apply', ROUTER])).exitCode).toBe(0);
    const ours = (await nftText(sb, 'router', 'table', 'inet', TABLE)).stdout;
    const other = await sb.sh([
      `ip netns exec router nft add table ip other`,
      `ip netns exec router nft add chain ip other c '{ type nat hook postrouting priority 50; }'`,
      `ip netns exec router nft add rule ip other c ip daddr 192.0.2.9 counter`,
      `ip netns exec router nft flush chain inet ${TABLE} postrouting`,
      `ip netns exec router nft add rule inet ${TABLE} prerouting ip daddr 10.9.9.9 counter`,
    ].join('\n'));
    expect(other.stderr).toBe('');
    const otherBefore = (await nftText(sb, 'router', 'table', 'ip', 'other')).stdout;
    expect(otherBefore).toContain('ip daddr 192.0.2.9 counter');

    const plan = await sb.topo(['plan', ROUTER, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ nftables table inet topo-router-portfwd');
    expect(plan.stdout).toContain('postrouting: none -> oifname "veth-wan" ip saddr 10.0.1.0/24 masquerade');
    expect(plan.stdout).toContain('prerouting: ip daddr 10.9.9.9 counter -> none');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to change, 0 to delete.');

    expect((await sb.topo(['apply', ROUTER])).exitCode).toBe(0);
    expect((await nftText(sb, 'router', 'table', 'inet', TABLE)).stdout).toBe(ours);
    expect((await nftText(sb, 'router', 'table', 'ip', 'other')).stdout).toBe(otherBefore);
    expect((await sb.topo(['plan', ROUTER, '--detailed-exitcode'])).exitCode).toBe(0);

    // Remove `nat:` from the file: the table goes, the other table stays, the state record forgets it.
    const doc = parse(readFileSync(ROUTER, 'utf8'));
    delete doc.namespaces.router.nat;
    doc.tests = doc.tests.filter((t: { from: string; ping?: string }) => t.from !== 'client' || t.ping !== 'server');
    const edited = join(scratchDir('topo-nat'), 'router-no-nat.yaml');
    writeFileSync(edited, stringify(doc));
    const removed = await sb.topo(['apply', edited]);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toContain('- nftables table inet topo-router-portfwd');
    const gone = await nftText(sb, 'router', 'table', 'inet', TABLE);
    expect(gone.exitCode).not.toBe(0);
    expect(gone.stderr).toMatch(/No such file or directory/);
    expect((await nftText(sb, 'router', 'table', 'ip', 'other')).stdout).toBe(otherBefore);
    expect(JSON.parse((await sb.run(['cat', '/run/topo/router-portfwd.json'])).stdout).nat).toEqual([]);
    // Without masquerading, the outside server no longer answers the client.
    expect(await sb.ping('client', '198.51.100.2')).toBe(false);

    expect((await sb.topo(['destroy', edited])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('nat-node (seed 002 with MASQUERADE): the host masquerades the bridge toward "outside"; destroy removes only its table', async () => {
    const before = await sb.snapshot();
    const mine = await sb.sh(`nft add table ip mine\nnft add chain ip mine post '{ type nat hook postrouting priority 50; }'\nnft add rule ip mine post oifname "zz" masquerade`);
    expect(mine.stderr).toBe('');
    const mineText = (await nftText(sb, 'host', 'table', 'ip', 'mine')).stdout;
    const file = example('nat-node.yaml');

    const applied = await sb.topo(['apply', file, '--test']);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);
    expect(applied.stdout).toMatch(/ok {2}NS1 {3}outside \(203\.0\.113\.2\) +reachable +reachable/);
    expect((await nftText(sb, 'host', 'table', 'inet', 'topo-nat-node')).stdout).toContain('oifname "uplink" ip saddr 172.16.0.0/24 masquerade');
    expect(JSON.parse((await sb.run(['cat', '/run/topo/nat-node.json'])).stdout).nat).toEqual(['host']);

    // It is the NAT that makes "outside" reachable: without the table the test fails, apply puts it back.
    expect((await sb.run(['nft', 'delete', 'table', 'inet', 'topo-nat-node'])).exitCode).toBe(0);
    const broken = await sb.topo(['test', file]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(/FAIL +NS1 +outside \(203\.0\.113\.2\) +reachable +unreachable/);
    expect((await sb.topo(['plan', file, '--detailed-exitcode'])).exitCode).toBe(2);
    expect((await sb.topo(['apply', file, '--test'])).exitCode).toBe(0);

    const destroyed = await sb.topo(['destroy', file]);
    expect(destroyed.exitCode).toBe(0);
    const tables = await sb.run(['nft', 'list', 'tables']);
    expect(tables.stdout).toBe('table ip mine');
    expect((await nftText(sb, 'host', 'table', 'ip', 'mine')).stdout).toBe(mineText);
    expect((await sb.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');
    expect((await sb.run(['ls', '/run/topo'])).stdout).toBe('');
    expect(await sb.snapshot()).toEqual(before);
  });

  it('nat-node: a failed NAT change is reported with its step and rolled back with the rest of the apply', async () => {
    const file = example('nat-node.yaml');
    expect((await sb.topo(['apply', file])).exitCode).toBe(0);
    const table = (await nftText(sb, 'host', 'table', 'inet', 'topo-nat-node')).stdout;
    const state = (await sb.run(['cat', '/run/topo/nat-node.json'])).stdout;

    // Widen the masquerade and turn forwarding on in NS1: two changes in the config stage, the NAT one fails.
    const doc = parse(readFileSync(file, 'utf8'));
    doc.namespaces.host.nat.masquerade[0].from = '172.16.0.0/16';
    doc.namespaces.NS1.sysctls = { 'net.ipv4.ip_forward': 1 };
    const edited = join(scratchDir('topo-nat'), 'nat-node-wider.yaml');
    writeFileSync(edited, stringify(doc));
    const failed = await sb.topo(['apply', edited], { TOPO_FAIL_COMMAND: 'nft -f' });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('step "table inet topo-nat-node" failed: nft -f -: injected failure');
    expect(failed.stderr).toContain('rolled back');
    expect((await nftText(sb, 'host', 'table', 'inet', 'topo-nat-node')).stdout).toBe(table);
    expect((await sb.run(['ip', 'netns', 'exec', 'NS1', 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout).toBe('0');
    expect((await sb.run(['cat', '/run/topo/nat-node.json'])).stdout).toBe(state);

    // Without the injected failure the same change goes through, rule by rule in the plan.
    const plan = await sb.topo(['plan', edited]);
    expect(plan.stdout).toContain('postrouting: oifname "uplink" ip saddr 172.16.0.0/24 masquerade -> none');
    expect(plan.stdout).toContain('postrouting: none -> oifname "uplink" ip saddr 172.16.0.0/16 masquerade');
    expect((await sb.topo(['apply', edited])).exitCode).toBe(0);
    expect((await nftText(sb, 'host', 'table', 'inet', 'topo-nat-node')).stdout).toContain('ip saddr 172.16.0.0/16 masquerade');
    expect((await sb.topo(['destroy', edited])).exitCode).toBe(0);
    expect((await sb.run(['nft', 'list', 'tables'])).stdout).toBe('');
  });
});

// The firewall end to end, inside the sandbox, on examples/firewall.yaml (client — fw — server): real traffic
// through the forward chain (the allowed TCP port open, a rejected one refused, any other dropped, ping one way
// only), the table read back with nft -j, counters in `topo show`, hand edits repaired rule by rule, file edits
// planned rule by rule and applied as one nft transaction, chains and the table removed with the file's, raw
// rules converging and a bad one refused by nft -c before anything runs.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveTable, topoMark } from '../../src/kinds/nft-table.js';
import { withoutProgress } from '../helpers/progress.js';
import { Sandbox, example } from '../helpers/sandbox.js';
import { tcpConnect, tcpServer, type TcpServer } from '../helpers/tcp.js';
import { editedLab } from '../helpers/scratch.js';

const EXAMPLE = example('firewall.yaml');
const TABLE = 'topo-firewall';
const SERVER = '10.0.2.2';

/**
 * The example without its servers (run:) and the tests that need them: these tests start servers of their own on
 * the same ports (8080, 8081, 9090: the rules' ports), which reply with their port, and stop them at will.
 * (examples.test.ts runs the example as it is, its servers and tests included.)
 */
const withoutServers = (d: any) => { delete d.namespaces.server.run; d.tests = d.tests.filter((t: any) => t.ping !== undefined); };

/** The example (without its servers) with `edit` applied, written to a file of its own. */
const edited = (name: string, edit: (doc: any) => void = () => undefined): string => editedLab(EXAMPLE, (d) => { withoutServers(d); edit(d); }, name);

describe('firewall', () => {
  let sb: Sandbox;
  const servers: TcpServer[] = [];
  let FILE: string;
  beforeEach(async () => { sb = await Sandbox.create(); FILE = edited('firewall.yaml'); });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    await sb.close();
  });

  const nftJson = async (what: string[] = ['table', 'inet', TABLE]) => {
    const r = await sb.run(['ip', 'netns', 'exec', 'fw', 'nft', '-j', 'list', ...what]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const nftList = (...what: string[]) => sb.run(['ip', 'netns', 'exec', 'fw', 'nft', 'list', ...what]);
  /** The lab's table as rule texts by chain, read back with nft -j. */
  const rules = async () => Object.fromEntries(liveTable(await nftJson(), TABLE)!.chains.map((c) => [c.name, c.rules]));
  const serve = async (...ports: number[]) => { for (const p of ports) servers.push(await tcpServer(sb, 'server', p, `port ${p}`)); };

  const FORWARD = [
    'ct state established,related accept',
    'iifname "veth-a" meta l4proto icmp counter accept',
    'iifname "veth-a" oifname "veth-b" tcp dport 8080 counter accept',
    'iifname "veth-a" tcp dport 8081 reject',
  ];
  const INPUT = ['iifname "lo" accept', 'ct state established,related accept', 'meta l4proto icmp accept'];

  it('lets through ping and the allowed port, refuses the rejected one, drops the rest; counts; re-apply is a no-op; destroy leaves nothing', async () => {
    const before = await sb.snapshot();
    const applied = await sb.topo(['apply', FILE, '--test']);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);
    expect(applied.stdout).toContain('All 4 test(s) hold');

    // Read back: the chains with their hooks and policies, and every rule as written.
    const doc = await nftJson();
    const chains = doc.nftables.filter((x: any) => x.chain).map((x: any) => x.chain);
    expect(chains.map((c: any) => [c.name, c.type, c.hook, c.prio, c.policy])).toEqual([
      ['input', 'filter', 'input', 0, 'drop'], ['forward', 'filter', 'forward', 0, 'drop'],
    ]);
    expect(await rules()).toEqual({ input: INPUT, forward: FORWARD });

    // Real traffic through the forward chain.
    await serve(8080, 8081, 9090);
    expect(await tcpConnect(sb, 'client', SERVER, 8080)).toEqual({ result: 'open', reply: 'port 8080' });
    expect(await tcpConnect(sb, 'client', SERVER, 8081)).toEqual({ result: 'refused' });
    expect(await tcpConnect(sb, 'client', SERVER, 9090, 1500)).toEqual({ result: 'timeout' });
    expect(await sb.ping('client', SERVER)).toBe(true);
    expect(await sb.ping('server', '10.0.1.2')).toBe(false);
    // Without the table everything goes through: it is the rules that drop.
    expect((await sb.run(['ip', 'netns', 'exec', 'fw', 'nft', 'delete', 'table', 'inet', TABLE])).exitCode).toBe(0);
    expect(await tcpConnect(sb, 'client', SERVER, 9090)).toEqual({ result: 'open', reply: 'port 9090' });
    expect((await sb.topo(['apply', FILE])).exitCode).toBe(0);

    // Counters, after traffic, in topo show (--json: the live table's counters by rule index; text: one line each).
    expect(await sb.ping('client', SERVER)).toBe(true);
    expect(await tcpConnect(sb, 'client', SERVER, 8080)).toMatchObject({ result: 'open' });
    const shown = JSON.parse((await sb.topo(['show', FILE, '--json'])).stdout);
    const table = shown.namespaces.fw.find((r: any) => r.kind === 'nftables');
    const forward = table.props.chains.find((c: any) => c.name === 'forward');
    expect(forward.rules).toEqual(FORWARD);
    expect(forward.counters[1]).toEqual({ packets: 1, bytes: 84 }); // the echo request; its reply is established
    expect(forward.counters[2].packets).toBe(1); // the SYN; the rest of the connection is established
    expect(forward.counters[2].bytes).toBeGreaterThan(0);
    const text = (await sb.topo(['show', FILE])).stdout;
    expect(text).toContain('forward: iifname "veth-a" meta l4proto icmp counter accept: 1 packet, 84 bytes');
    expect(text).toMatch(/forward: iifname "veth-a" oifname "veth-b" tcp dport 8080 counter accept: 1 packet, \d+ bytes/);

    const again = await sb.topo(['apply', FILE, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);
    expect((await sb.topo(['plan', FILE, '--detailed-exitcode'])).exitCode).toBe(0);

    for (const s of servers.splice(0)) await s.stop();
    expect((await sb.topo(['destroy', FILE])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(before);
  });

  it('repairs rules deleted and added by hand, leaving another table alone', async () => {
    expect((await sb.topo(['apply', FILE])).exitCode).toBe(0);
    const ours = (await nftList('table', 'inet', TABLE)).stdout;
    const handle = (await nftJson()).nftables.find((x: any) => x.rule?.chain === 'forward' && JSON.stringify(x.rule.expr).includes('8080')).rule.handle;
    const hand = await sb.sh([
      'ip netns exec fw nft add table ip other',
      'ip netns exec fw nft add chain ip other c \'{ type filter hook forward priority 10; }\'',
      'ip netns exec fw nft add rule ip other c tcp dport 7 counter',
      `ip netns exec fw nft delete rule inet ${TABLE} forward handle ${handle}`,
      `ip netns exec fw nft add rule inet ${TABLE} forward tcp dport 9090 accept`,
    ].join('\n'));
    expect(hand.stderr).toBe('');
    const other = (await nftList('table', 'ip', 'other')).stdout;
    await serve(8080, 9090);
    expect(await tcpConnect(sb, 'client', SERVER, 9090)).toMatchObject({ result: 'open' });

    const plan = await sb.topo(['plan', FILE, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(`~ nftables table inet ${TABLE}`);
    expect(plan.stdout).toContain('forward: tcp dport 9090 accept -> none');
    expect(plan.stdout).toContain('forward: none -> iifname "veth-a" oifname "veth-b" tcp dport 8080 counter accept');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to change, 0 to delete.');

    expect((await sb.topo(['apply', FILE])).exitCode).toBe(0);
    expect((await nftList('table', 'inet', TABLE)).stdout).toBe(ours);
    expect((await nftList('table', 'ip', 'other')).stdout).toBe(other);
    expect((await sb.topo(['plan', FILE, '--detailed-exitcode'])).exitCode).toBe(0);
    expect(await tcpConnect(sb, 'client', SERVER, 8080)).toMatchObject({ result: 'open' });
    expect(await tcpConnect(sb, 'client', SERVER, 9090, 1500)).toEqual({ result: 'timeout' });
  });

  it('plans a rule edited in the file rule by rule and applies it in one nft transaction; removes a chain, then the table, with the file', async () => {
    expect((await sb.topo(['apply', FILE])).exitCode).toBe(0);
    await serve(8080, 9090);

    // The allowed port becomes 9090.
    const moved = edited('moved.yaml', (d) => { d.namespaces.fw.firewall.forward.rules[2].dport = 9090; });
    const plan = JSON.parse((await sb.topo(['plan', moved, '--json'])).stdout);
    expect(plan.changes).toHaveLength(1);
    const [change] = plan.changes;
    expect([change.op, change.namespace, change.label]).toEqual(['update', 'fw', `table inet ${TABLE}`]);
    expect(change.fields).toEqual([
      { field: 'forward', current: 'iifname "veth-a" oifname "veth-b" tcp dport 8080 counter accept' },
      { field: 'forward', desired: 'iifname "veth-a" oifname "veth-b" tcp dport 9090 counter accept' },
    ]);
    expect(change.commands).toEqual([['ip', 'netns', 'exec', 'fw', 'nft', '-f', '-']]);
    const applied = await sb.topo(['apply', moved]);
    expect(applied.exitCode).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 0 created, 1 changed, 0 deleted');
    expect((await rules()).forward[2]).toBe('iifname "veth-a" oifname "veth-b" tcp dport 9090 counter accept');
    expect(await tcpConnect(sb, 'client', SERVER, 9090)).toMatchObject({ result: 'open' });
    expect(await tcpConnect(sb, 'client', SERVER, 8080, 1500)).toEqual({ result: 'timeout' });
    expect((await sb.topo(['plan', moved, '--detailed-exitcode'])).exitCode).toBe(0);

    // The input chain removed from the file: gone from the kernel, forward untouched.
    const noInput = edited('no-input.yaml', (d) => { d.namespaces.fw.firewall.forward.rules[2].dport = 9090; delete d.namespaces.fw.firewall.input; });
    const pruned = await sb.topo(['apply', noInput]);
    expect(pruned.exitCode).toBe(0);
    expect(pruned.stdout).toContain('chain input: type filter hook input priority filter; policy drop; -> none');
    expect(Object.keys(await rules())).toEqual(['forward']);
    expect((await sb.topo(['plan', noInput, '--detailed-exitcode'])).exitCode).toBe(0);

    // `firewall:` removed, and nothing else uses the table: the table goes, the state record forgets it.
    const none = edited('no-firewall.yaml', (d) => { delete d.namespaces.fw.firewall; });
    const removed = await sb.topo(['apply', none]);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toContain(`- nftables table inet ${TABLE}`);
    const gone = await nftList('table', 'inet', TABLE);
    expect(gone.exitCode).not.toBe(0);
    expect(gone.stderr).toMatch(/No such file or directory/);
    expect(JSON.parse((await sb.run(['cat', '/run/topo/firewall.json'])).stdout).nat).toEqual([]);
    expect(await tcpConnect(sb, 'client', SERVER, 8080)).toMatchObject({ result: 'open' });
    expect((await sb.topo(['destroy', none])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });

  it('raw rules: converge however nft prints them, a hand-edited one is repaired, a bad one is refused by nft -c with its line:col and nothing applied', async () => {
    const RAW = 'meta l4proto udp udp dport 53 counter accept';
    const raw = edited('raw.yaml', (d) => { d.namespaces.fw.firewall.forward.rules.push({ nft: RAW }); });
    const applied = await sb.topo(['apply', raw]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);
    // nft prints it otherwise (no meta l4proto), with topo's mark: still nothing to do.
    const mark = topoMark(RAW);
    expect((await rules()).forward[4]).toBe(`udp dport 53 counter accept comment "${mark}"`);
    expect((await sb.topo(['plan', raw, '--detailed-exitcode'])).exitCode).toBe(0);

    // Edited by hand (another body, the mark gone): drift, repaired.
    const handle = (await nftJson()).nftables.find((x: any) => x.rule?.comment === mark).rule.handle;
    expect((await sb.run(['ip', 'netns', 'exec', 'fw', 'nft', 'replace', 'rule', 'inet', TABLE, 'forward', 'handle', String(handle), 'udp', 'dport', '54', 'accept'])).stderr).toBe('');
    const drift = await sb.topo(['plan', raw, '--detailed-exitcode']);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('forward: udp dport 54 accept -> none');
    expect(drift.stdout).toContain(`forward: none -> ${RAW} comment "${mark}"`);
    expect((await sb.topo(['apply', raw])).exitCode).toBe(0);
    expect((await rules()).forward[4]).toBe(`udp dport 53 counter accept comment "${mark}"`);
    expect((await sb.topo(['plan', raw, '--detailed-exitcode'])).exitCode).toBe(0);

    // A raw rule nft refuses: validation fails at its line:col with nft's reason, before any change.
    const table = (await nftList('table', 'inet', TABLE)).stdout;
    const bad = edited('bad.yaml', (d) => {
      d.namespaces.fw.firewall.forward.rules.push({ nft: 'meta mork 1 accept' });
      d.namespaces.fw.firewall.input.rules.push({ nft: 'tcp dport 99999 accept' });
      d.namespaces.fw.firewall.forward.rules[2].dport = 9090;
    });
    const lines = readFileSync(bad, 'utf8').split('\n');
    const at = (text: string) => `${lines.findIndex((l) => l.includes(text)) + 1}:${lines.find((l) => l.includes(text))!.indexOf(text) + 1}`;
    for (const cmd of [['validate', bad], ['apply', bad]]) {
      const r = await sb.topo(cmd);
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toContain(`${bad}:${at('tcp dport 99999 accept')}: error: nft refuses this rule: Service out of range`);
      expect(r.stderr).toContain(`${bad}:${at('meta mork 1 accept')}: error: nft refuses this rule: syntax error, unexpected mork`);
    }
    expect((await nftList('table', 'inet', TABLE)).stdout).toBe(table);
    expect((await sb.topo(['destroy', raw])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

// The `firewall:` section as data: the file's chains and rules → rule texts in nft's own spelling, proved against
// what nft 1.0.6 lists for them (fixtures/kernel/nftables/firewall.*: firewall-spec.json holds rules of every field
// combination, firewall.nft is the script topo writes for it, firewall.json / firewall.txt what nft read back).
// Raw rules compare by topo's mark; the kind plans rule-level changes of a table holding NAT and firewall chains.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KindContext } from '../../src/core/kind.js';
import { labIdentity } from '../../src/core/lab.js';
import type { LiveSnapshot, NsLive } from '../../src/core/live.js';
import { emptyState } from '../../src/core/state.js';
import { firewallRuleText, firewallSection, rawTextProblem, type FirewallRuleSpec, type FirewallSpec } from '../../src/kinds/firewall-rules.js';
import { planFrom } from '../../src/kinds/index.js';
import { natSection } from '../../src/kinds/nat-rules.js';
import {
  compareTables, liveTable, rawCheckFindings, rawCheckScript, ruleKey, tableScript, topoMark, type NftTable, type TableSection,
} from '../../src/kinds/nft-table.js';
import { chainCollisions, nftablesKind } from '../../src/kinds/nftables.js';
import { graphDot, graphMermaid, labGraph } from '../../src/render/graph.js';
import { validateText } from '../../src/validate/index.js';
import type { Topology } from '../../src/model.js';
import { nftFixture as fixture, nftListed as listed } from '../helpers/nft-listing.js';

const SPEC = JSON.parse(fixture('firewall-spec.json')) as FirewallSpec;
const desired = (firewall: FirewallSpec, table = 'topo-cap'): NftTable => ({ table, chains: firewallSection.chains({ firewall })!, others: [] });
const rule = (r: FirewallRuleSpec) => firewallRuleText(r);

describe('every field combination, against nft 1.0.6', () => {
  const want = desired(SPEC);
  const live = liveTable(JSON.parse(fixture('firewall.json')), 'topo-cap')!;
  const isRaw = (r: string) => ruleKey(r) !== r;

  it('writes exactly the script the fixture was made from', () => {
    expect(tableScript(want, false)).toBe(fixture('firewall.nft'));
  });

  it('writes every rule but the raw ones exactly as nft lists it back (nft -j and nft list alike)', () => {
    const byChain = (t: NftTable) => Object.fromEntries(t.chains.map((c) => [c.name, c.rules.filter((r) => !isRaw(r))]));
    expect(byChain(live)).toEqual(byChain(want));
    const text = listed(fixture('firewall.txt'));
    expect(Object.fromEntries(Object.entries(text).map(([c, rs]) => [c, rs.filter((r) => !isRaw(r))]))).toEqual(byChain(want));
    expect(want.chains.flatMap((c) => c.rules).filter(isRaw)).toHaveLength(3);
  });

  it('finds nothing to change against what nft read back: raw rules too, which nft prints otherwise', () => {
    expect(live.chains.map((c) => c.header)).toEqual(want.chains.map((c) => c.header));
    expect(compareTables(want, live)).toEqual([]);
    const raw = live.chains.find((c) => c.name === 'forward')!.rules.filter(isRaw);
    expect(raw).toContain(`udp dport 53 accept comment "${topoMark('meta l4proto udp udp dport 53 accept')}"`);
  });
});

describe('firewallRuleText', () => {
  it('writes matches in nft\'s order, whatever order the file gives them in', () => {
    expect(rule({ action: 'accept', counter: true, dport: 80, proto: 'tcp', state: 'new', to: '10.0.2.5', from: '10.0.1.0/24', out: 'b', in: 'a' }))
      .toBe('iifname "a" oifname "b" ip saddr 10.0.1.0/24 ip daddr 10.0.2.5 ct state new tcp dport 80 counter accept');
  });

  it('canonicalises addresses: network address, a full-length prefix as the bare address, IPv6 compressed', () => {
    expect(rule({ from: '10.0.1.7/24', to: '10.0.2.5/32', action: 'drop' })).toBe('ip saddr 10.0.1.0/24 ip daddr 10.0.2.5 drop');
    expect(rule({ from: 'FD00:1:0::9/64', to: 'fd00:0002::5', action: 'drop' })).toBe('ip6 saddr fd00:1::/64 ip6 daddr fd00:2::5 drop');
  });

  it('writes connection states in nft\'s bit order, ports sorted, a list of one as that one', () => {
    expect(rule({ state: ['new', 'related', 'established'], action: 'accept' })).toBe('ct state established,related,new accept');
    expect(rule({ proto: 'udp', dport: [5353, '53'], action: 'accept' })).toBe('udp dport { 53, 5353 } accept');
    expect(rule({ proto: 'tcp', dport: ['1000-2000'], sport: '80-80', action: 'accept' })).toBe('tcp sport 80 tcp dport 1000-2000 accept');
  });

  it('writes a protocol without ports as meta l4proto (icmpv6 as nft names it)', () => {
    expect(['tcp', 'udp', 'icmp', 'icmpv6', 'any'].map((proto) => rule({ proto: proto as FirewallRuleSpec['proto'], action: 'accept' }))).toEqual([
      'meta l4proto tcp accept', 'meta l4proto udp accept', 'meta l4proto icmp accept', 'meta l4proto ipv6-icmp accept', 'accept',
    ]);
  });

  it('writes reject as nft lists it: bare, or with the ICMP type of the family its addresses fix', () => {
    expect(rule({ proto: 'tcp', dport: 22, action: 'reject' })).toBe('tcp dport 22 reject');
    expect(rule({ to: '10.0.0.1', action: 'reject' })).toBe('ip daddr 10.0.0.1 reject with icmp port-unreachable');
    expect(rule({ from: 'fd00::/64', action: 'reject' })).toBe('ip6 saddr fd00::/64 reject with icmpv6 port-unreachable');
  });

  it('writes a raw rule as given (trimmed), marked with the hash of its text', () => {
    expect(rule({ nft: ' meta mark 0x1 counter accept ' })).toBe(`meta mark 0x1 counter accept comment "${topoMark('meta mark 0x1 counter accept')}"`);
  });
});

describe('firewallSection', () => {
  it('makes only the declared chains, each a filter chain at priority filter with its policy (default accept)', () => {
    expect(firewallSection.chains({})).toBeUndefined();
    expect(firewallSection.chains({ firewall: {} })).toEqual([]);
    expect(firewallSection.chains({ firewall: { output: {}, forward: { policy: 'drop' } } })).toEqual([
      { name: 'forward', header: 'type filter hook forward priority filter; policy drop;', rules: [] },
      { name: 'output', header: 'type filter hook output priority filter; policy accept;', rules: [] },
    ]);
  });

  it('draws each chain\'s policy and rules, one line each', () => {
    expect(firewallSection.lines({ firewall: { forward: { policy: 'drop', rules: [
      { state: ['established', 'related'], action: 'accept' },
      { in: 'a', out: 'b', proto: 'tcp', dport: 8080, action: 'accept', counter: true },
      { action: 'drop' },
      { nft: 'meta mark 0x1 accept' },
    ] } } })).toEqual([
      'forward: policy drop', 'forward: established,related → accept', 'forward: in a out b tcp dport 8080 → accept (counted)',
      'forward: all → drop', 'forward: nft meta mark 0x1 accept',
    ]);
  });

  it('lists the raw rules with their chains and places, for nft -c', () => {
    expect(firewallSection.raw!('fw', { firewall: { input: { policy: 'drop', rules: [{ action: 'accept' }, { nft: 'meta mark 1 accept' }] } } })).toEqual([{
      chain: 'input', rule: `meta mark 1 accept comment "${topoMark('meta mark 1 accept')}"`, path: '/namespaces/fw/firewall/input/rules/1/nft',
    }]);
  });
});

describe('rawTextProblem', () => {
  it.each([
    ['meta mark 0x1 counter accept', undefined],
    ['ip saddr { 10.0.0.1, 10.0.0.2 } log prefix "a;b#{" drop', undefined],
    ['   ', 'the text is empty'],
    ['accept\ndrop', 'the text must be one line, without control characters'],
    ['accept; drop', '";" is not allowed: a raw rule is one rule, without nft comments'],
    ['accept # why', '"#" is not allowed: a raw rule is one rule, without nft comments'],
    ['accept } chain x {', 'braces { } are not balanced'],
    ['tcp dport { 22, 80 accept', 'braces { } are not balanced'],
    ['log prefix "x accept', 'a quote (") is not closed'],
    ['accept comment "mine"', 'a raw rule can\'t have a comment of its own'],
  ])('%j: %s', (text, message) => {
    expect(rawTextProblem(text)?.message).toBe(message);
  });
});

describe('sections of one table', () => {
  it('finds two sections making a chain of one name', () => {
    const clash: TableSection = { ...natSection, field: 'firewall', chains: () => [{ name: 'prerouting', header: '', rules: [] }] };
    const spec = { nat: {}, firewall: {} };
    expect(chainCollisions('r', spec, [natSection, firewallSection])).toEqual([]);
    expect(chainCollisions('r', spec, [natSection, clash])).toMatchObject([{
      code: 'chain-collision', path: '/namespaces/r/firewall', related: '/namespaces/r/nat',
      message: '"firewall" and "nat" would both make a chain named "prerouting" in the lab\'s table',
    }]);
  });
});

describe('the nftables kind with a firewall', () => {
  const LAB = 'lab';
  const ctx = (): KindContext => ({ lab: labIdentity(LAB), state: emptyState(LAB) });
  const FW: FirewallSpec = { forward: { policy: 'drop', rules: [{ state: ['established', 'related'], action: 'accept' }, { proto: 'tcp', dport: 8080, action: 'accept' }] } };
  const topo = (firewall: FirewallSpec | undefined, nat = false): Topology => ({ name: LAB, namespaces: { fw: { ...(firewall ? { firewall } : {}), ...(nat ? { nat: { masquerade: [{ out: 'lo' }] } } : {}) } } });
  /** nft -j of a table with these chains (headers as nft 1.0.6 prints their JSON) and rules given as expressions. */
  const nftJson = (chains: { name: string; hook: string; type?: string; prio?: number; policy?: string; rules?: unknown[][] }[]) => ({ nftables: [
    { table: { family: 'inet', name: `topo-${LAB}` } },
    ...chains.map((c) => ({ chain: { family: 'inet', table: `topo-${LAB}`, name: c.name, type: c.type ?? 'filter', hook: c.hook, prio: c.prio ?? 0, policy: c.policy ?? 'accept' } })),
    ...chains.flatMap((c) => (c.rules ?? []).map((expr) => ({ rule: { family: 'inet', table: `topo-${LAB}`, chain: c.name, expr } }))),
  ] });
  const EST = [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null }];
  const TCP = (port: number) => [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: port } }, { accept: null }];
  const nsLive = (name: string, nft?: unknown): NsLive => ({
    name, links: [{ ifindex: 1, ifname: 'lo', flags: ['UP'], ...(name === 'host' ? {} : { ifalias: `topo:${LAB}` }) }], routes: [], sysctls: {}, nsids: {},
    reads: nft === undefined ? {} : { 'nftables:nft': nft },
  });
  const snap = (...ns: NsLive[]): LiveSnapshot => ({ netns: ns.map((n) => n.name).filter((n) => n !== 'host'), ns: Object.fromEntries(ns.map((n) => [n.name, n])) });
  const steps = (t: Topology, s: LiveSnapshot) => planFrom(t, s, ctx()).plan.steps.filter((x) => x.kind === 'nftables');

  it('puts NAT and firewall chains into one table, created by one nft -f', () => {
    const [step] = steps(topo(FW, true), snap(nsLive('host')));
    expect(step.op).toBe('create');
    expect(step.cmds).toHaveLength(1);
    expect(step.cmds[0].input).toMatch(/chain postrouting \{[\s\S]*chain prerouting \{[\s\S]*chain forward \{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport 8080 accept\n/);
  });

  it('plans nothing when the table reads back as declared, and a rule-level change for an edited rule', () => {
    const same = nftJson([{ name: 'forward', hook: 'forward', policy: 'drop', rules: [EST, TCP(8080)] }]);
    expect(steps(topo(FW), snap(nsLive('host'), nsLive('fw', same)))).toEqual([]);
    const edited: FirewallSpec = { forward: { policy: 'drop', rules: [FW.forward!.rules![0], { proto: 'tcp', dport: 8081, action: 'accept' }] } };
    const [step] = steps(topo(edited), snap(nsLive('host'), nsLive('fw', same)));
    expect(step.op).toBe('update');
    expect(step.fields).toEqual([['forward', 'tcp dport 8080 accept', undefined], ['forward', undefined, 'tcp dport 8081 accept']]);
    expect(step.cmds).toHaveLength(1);
    expect(step.cmds[0].input).toMatch(/^table inet topo-lab\ndelete table inet topo-lab\n/);
  });

  it('removes a chain no longer declared, and changes a policy in place of the table', () => {
    const live = nftJson([{ name: 'input', hook: 'input', policy: 'drop' }, { name: 'forward', hook: 'forward', policy: 'accept', rules: [EST, TCP(8080)] }]);
    const [step] = steps(topo(FW), snap(nsLive('host'), nsLive('fw', live)));
    expect(step.fields).toEqual([
      ['chain forward', 'type filter hook forward priority filter; policy accept;', 'type filter hook forward priority filter; policy drop;'],
      ['chain input', 'type filter hook input priority filter; policy drop;', undefined],
    ]);
  });

  it('deletes the table when firewall: goes and nothing else uses it', () => {
    const live = nftJson([{ name: 'forward', hook: 'forward', policy: 'drop', rules: [EST, TCP(8080)] }]);
    const [step] = planFrom(topo(undefined), snap(nsLive('host'), nsLive('fw', live)), { ...ctx(), state: { ...emptyState(LAB), nat: ['fw'] } }).plan.steps.filter((x) => x.kind === 'nftables');
    expect(step.op).toBe('delete');
    expect(step.cmds.map((c) => c.args)).toEqual([['delete', 'table', 'inet', 'topo-lab']]);
  });

  it('reads the table where only a firewall is declared', () => {
    expect(nftablesKind.reads!(topo(FW), ctx()).map((r) => r.ns)).toEqual(['fw']);
  });
});

describe('topo show', () => {
  it('lists every counted rule of the live table with its packets and bytes', () => {
    const live = liveTable({ nftables: [{ table: { name: 't' } }, { chain: { name: 'forward', type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
      { rule: { chain: 'forward', expr: [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null }] } },
      { rule: { chain: 'forward', expr: [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'icmp' } }, { counter: { packets: 1, bytes: 84 } }, { accept: null }] } },
      { rule: { chain: 'forward', expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 8080 } }, { counter: { packets: 0, bytes: 0 } }, { accept: null }] } },
    ] }, 't')!;
    expect(nftablesKind.show!.detail!({ kind: 'nftables', key: 'nftables:fw', ns: 'fw', label: 'table inet t', props: live, claims: [], parents: [] })).toBe([
      '',
      '            forward: meta l4proto icmp counter accept: 1 packet, 84 bytes',
      '            forward: tcp dport 8080 counter accept: 0 packets, 0 bytes',
    ].join('\n'));
  });
});

describe('nft -c of the raw rules', () => {
  // Two namespaces' raw rules, among other rules: the script and nft 1.0.6's answer to it are in the fixtures.
  const a: FirewallSpec = { input: { policy: 'drop', rules: [{ in: 'lo', action: 'accept' }, { nft: 'tcp dport 99999 accept' }] }, forward: { rules: [{ nft: 'meta mork 1 accept' }, { nft: 'ct state new accept' }] } };
  const b: FirewallSpec = { output: { rules: [{ nft: 'meta oif "x" accept' }, { nft: 'ip daddr 10.0.0.1 ip6 saddr ::1 accept' }] } };
  const ns = (name: string, firewall: FirewallSpec) => ({ chains: firewallSection.chains({ firewall })!, raw: firewallSection.raw!(name, { firewall }) });
  const { script, lines } = rawCheckScript('topo-lab', [ns('a', a), ns('b', b)]);

  it('puts each namespace\'s raw rules alone into the lab\'s table and their real chains, and knows each one\'s line', () => {
    expect(script).toBe(fixture('raw-check.nft'));
    expect([...lines]).toEqual([
      [6, '/namespaces/a/firewall/input/rules/1/nft'], [11, '/namespaces/a/firewall/forward/rules/0/nft'], [12, '/namespaces/a/firewall/forward/rules/1/nft'],
      [20, '/namespaces/b/firewall/output/rules/0/nft'], [21, '/namespaces/b/firewall/output/rules/1/nft'],
    ]);
  });

  it('puts each of nft\'s errors at its rule, with what nft points at', () => {
    expect(rawCheckFindings(fixture('raw-check.stderr'), script, lines, '/namespaces/a/firewall').map((f) => [f.path, f.message, f.hint])).toEqual([
      ['/namespaces/a/firewall/forward/rules/0/nft', expect.stringMatching(/^nft refuses this rule: syntax error, unexpected mork, known keys are length, /), 'nft -c points at "meta mork"'],
      ['/namespaces/a/firewall/input/rules/1/nft', 'nft refuses this rule: Service out of range', 'nft -c points at "99999"'],
      ['/namespaces/b/firewall/output/rules/0/nft', 'nft refuses this rule: Interface does not exist',
        'nft -c runs where topo runs, without the lab\'s interfaces: match them by name (iifname, oifname)'],
      ['/namespaces/b/firewall/output/rules/1/nft', 'nft refuses this rule: conflicting protocols specified: ip vs. ip6', 'nft -c points at "ip6 saddr"'],
    ]);
  });

  it('puts an error it can\'t place at the section', () => {
    expect(rawCheckFindings('Error: Could not process rule: No buffer space available\n', script, lines, '/namespaces/a/firewall')).toEqual([
      { code: 'nft-refuses', path: '/namespaces/a/firewall', message: 'nft refuses these rules: Error: Could not process rule: No buffer space available' },
    ]);
  });
});

describe('topo graph of examples/firewall.yaml', () => {
  const { topo } = validateText(readFileSync(new URL('../../examples/firewall.yaml', import.meta.url)), 'firewall.yaml');

  it('draws the firewall rules in a box of their own in the firewall\'s namespace', () => {
    const fw = labGraph(topo!).namespaces.find((n) => n.name === 'fw')!;
    expect(fw.boxes.map((b) => [b.title, b.lines])).toEqual([['Firewall', [
      'input: policy drop', 'input: in lo → accept', 'input: established,related → accept', 'input: icmp → accept',
      'forward: policy drop', 'forward: established,related → accept', 'forward: in veth-a icmp → accept (counted)',
      'forward: in veth-a out veth-b tcp dport 8080 → accept (counted)', 'forward: in veth-a tcp dport 8081 → reject',
    ]]]);
    expect(graphMermaid(topo!)).toContain('ns2_firewall{{"Firewall<br/>input: policy drop<br/>');
    expect(graphDot(topo!)).toContain('forward: in veth-a out veth-b tcp dport 8080 → accept (counted)');
  });
});

// NAT as data: the file's `nat:` → rule texts as nft prints them, `nft -j` output → the same texts, rule-by-rule
// differences, and the nft script that replaces the table. The JSON below was captured from nft 1.0.6.
import { describe, expect, it } from 'vitest';
import { natSection } from '../../src/kinds/nat-rules.js';
import { compareTables, labTableName, liveTable, ruleText, tableScript } from '../../src/kinds/nft-table.js';
import type { NatSpec } from '../../src/model.js';

const desiredTable = (lab: string, nat: NatSpec) => ({ table: labTableName(lab), chains: natSection.chains({ nat })!, others: [] });

const ROUTER = {
  masquerade: [{ out: 'veth-wan', from: '10.0.1.0/24' }],
  forward: [{ in: 'veth-wan', proto: 'tcp' as const, port: 8080, to: '10.0.1.2:80' }],
};

/** `nft -j list table inet topo-lab` of the router's table after someone added a set, a chain and two rules. */
const CAPTURED = {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "topo-lab", "handle": 1}}, {"set": {"family": "inet", "name": "s", "table": "topo-lab", "type": "ipv4_addr", "handle": 4}}, {"chain": {"family": "inet", "table": "topo-lab", "name": "postrouting", "handle": 1, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}}, {"chain": {"family": "inet", "table": "topo-lab", "name": "prerouting", "handle": 2, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}}, {"chain": {"family": "inet", "table": "topo-lab", "name": "mine", "handle": 3}}, {"rule": {"family": "inet", "table": "topo-lab", "chain": "postrouting", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "veth-wan"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.1.0", "len": 24}}}}, {"masquerade": null}]}}, {"rule": {"family": "inet", "table": "topo-lab", "chain": "prerouting", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "veth-wan"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}, {"dnat": {"family": "ip", "addr": "10.0.1.2", "port": 80}}]}}, {"rule": {"family": "inet", "table": "topo-lab", "chain": "prerouting", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.9.9.9"}}, {"counter": {"packets": 0, "bytes": 0}}]}}, {"rule": {"family": "inet", "table": "topo-lab", "chain": "prerouting", "handle": 8, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1}}, {"log": {"prefix": "x"}}]}}]};

describe('desiredTable', () => {
  it('writes masquerade and port forwarding the way nft lists them', () => {
    const t = desiredTable('lab', ROUTER);
    expect(t.table).toBe('topo-lab');
    expect(t.chains).toEqual([
      { name: 'postrouting', header: 'type nat hook postrouting priority srcnat; policy accept;', rules: ['oifname "veth-wan" ip saddr 10.0.1.0/24 masquerade'] },
      { name: 'prerouting', header: 'type nat hook prerouting priority dstnat; policy accept;', rules: ['iifname "veth-wan" tcp dport 8080 dnat ip to 10.0.1.2:80'] },
    ]);
  });

  it('canonicalises sources (network address, bare host) and IPv6 targets', () => {
    const t = desiredTable('lab', {
      masquerade: [{ out: 'a', from: '10.0.1.7/24' }, { out: 'a', from: '10.0.1.7/32' }, { out: 'b', from: 'FD00:1:0::5/64' }, { out: 'c' }],
      forward: [{ in: 'a', proto: 'udp', port: 53, to: '10.0.1.2' }, { in: 'a', proto: 'tcp', port: 443, to: '[fd00:1::2]:8443' }, { in: 'a', proto: 'tcp', port: 22, to: 'fd00::2' }],
    });
    expect(t.chains[0].rules).toEqual([
      'oifname "a" ip saddr 10.0.1.0/24 masquerade', 'oifname "a" ip saddr 10.0.1.7 masquerade',
      'oifname "b" ip6 saddr fd00:1::/64 masquerade', 'oifname "c" masquerade',
    ]);
    expect(t.chains[1].rules).toEqual([
      'iifname "a" udp dport 53 dnat ip to 10.0.1.2', 'iifname "a" tcp dport 443 dnat ip6 to [fd00:1::2]:8443', 'iifname "a" tcp dport 22 dnat ip6 to fd00::2',
    ]);
  });

  it('names the table after the lab', () => {
    expect(labTableName('router-portfwd')).toBe('topo-router-portfwd');
  });
});

describe('liveTable', () => {
  it('reads chains, rules and other objects; rules it cannot print become nft comments', () => {
    const t = liveTable(CAPTURED, 'topo-lab')!;
    expect(t.others).toEqual(['set s']);
    expect(t.chains.map((c) => [c.name, c.header])).toEqual([
      ['postrouting', 'type nat hook postrouting priority srcnat; policy accept;'],
      ['prerouting', 'type nat hook prerouting priority dstnat; policy accept;'],
      ['mine', ''],
    ]);
    expect(t.chains[1].rules[0]).toBe('iifname "veth-wan" tcp dport 8080 dnat ip to 10.0.1.2:80');
    expect(t.chains[1].rules[1]).toBe('ip daddr 10.9.9.9 counter');
    expect(t.chains[1].rules[2]).toMatch(/^# rule topo cannot print: \[.*"log"/);
  });

  it('is undefined when the output holds another table or nothing', () => {
    expect(liveTable(CAPTURED, 'topo-other')).toBeUndefined();
    expect(liveTable(undefined, 'topo-lab')).toBeUndefined();
  });

  it('prints != matches, sets and qualified meta keys', () => {
    expect(ruleText([
      { match: { op: '!=', left: { meta: { key: 'iifname' } }, right: 'lo' } },
      { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 6 } },
      { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: [1, 2] } } },
      { accept: null },
    ])).toBe('iifname != "lo" meta l4proto 6 tcp dport { 1, 2 } accept');
  });
});

describe('compareTables', () => {
  const want = desiredTable('lab', ROUTER);

  it('finds nothing when the live table holds exactly the desired rules', () => {
    const live = liveTable({ nftables: [{ table: { name: 'topo-lab' } },
      { chain: { name: 'postrouting', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } },
      { chain: { name: 'prerouting', type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } },
      ...CAPTURED.nftables.filter((x) => 'rule' in x && [5, 6].includes((x as { rule: { handle: number } }).rule.handle))] }, 'topo-lab')!;
    expect(compareTables(want, live)).toEqual([]);
  });

  it('lists every rule added or missing, extra chains and other objects', () => {
    const live = liveTable(CAPTURED, 'topo-lab')!;
    const diff = compareTables(want, live);
    expect(diff).toContainEqual(['prerouting', 'ip daddr 10.9.9.9 counter', undefined]);
    expect(diff).toContainEqual(['chain mine', '', undefined]);
    expect(diff).toContainEqual(['other', 'set s', undefined]);
    expect(diff.filter(([f]) => f === 'prerouting')).toHaveLength(2);
    const noPost = { ...live, chains: live.chains.map((c) => (c.name === 'postrouting' ? { ...c, rules: [] } : c)) };
    expect(compareTables(want, noPost)).toContainEqual(['postrouting', undefined, 'oifname "veth-wan" ip saddr 10.0.1.0/24 masquerade']);
  });

  it('notices a changed chain policy and a changed rule order', () => {
    const two = desiredTable('lab', { forward: [ROUTER.forward[0], { ...ROUTER.forward[0], port: 8081 }] });
    const swapped = { ...two, chains: two.chains.map((c) => (c.name === 'prerouting' ? { ...c, rules: [...c.rules].reverse() } : c)) };
    expect(compareTables(two, swapped).map(([f]) => f)).toEqual(['prerouting order']);
    const dropping = { ...two, chains: two.chains.map((c) => ({ ...c, header: c.header.replace('accept', 'drop') })) };
    expect(compareTables(two, dropping).map(([f]) => f)).toEqual(['chain postrouting', 'chain prerouting']);
  });
});

describe('tableScript', () => {
  it('creates the table with its chains and rules in one nft transaction', () => {
    expect(tableScript(desiredTable('lab', ROUTER), false)).toBe([
      'table inet topo-lab {',
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
      '',
    ].join('\n'));
  });

  it('replaces: declares, deletes and re-creates the table in the same transaction', () => {
    const s = tableScript(desiredTable('lab', {}), true);
    expect(s.split('\n').slice(0, 3)).toEqual(['table inet topo-lab', 'delete table inet topo-lab', 'table inet topo-lab {']);
  });
});

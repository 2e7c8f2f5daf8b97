// The table reader prints each rule of `nft -j` output exactly as `nft list` prints it (counter values left out),
// so that a declared rule written in nft's own spelling equals the rule read back. Both outputs were captured from
// nft 1.0.6 for the same tables (test/fixtures/kernel/nftables, see its README).
import { describe, expect, it } from 'vitest';
import { liveTable } from '../../src/kinds/nft-table.js';
import { nftFixture as fixture, nftListed as listed } from '../helpers/nft-listing.js';

describe.each([['forms', 'topo-cap'], ['reject', 't']])('printing %s.json', (name, table) => {
  const t = liveTable(JSON.parse(fixture(`${name}.json`)), table)!;
  const expected = listed(fixture(`${name}.txt`));

  it('gives every rule exactly the text nft lists', () => {
    expect(Object.fromEntries(t.chains.map((c) => [c.name, c.rules]))).toEqual(expected);
    expect(t.chains.flatMap((c) => c.rules).filter((r) => r.startsWith('#'))).toEqual([]);
  });

  it('gives every chain a header nft accepts back as input', () => {
    const headers = fixture(`${name}.txt`).split('\n').filter((l) => l.startsWith('\t\ttype ')).map((l) => l.trim());
    expect(t.chains.map((c) => c.header)).toEqual(headers);
  });
});

describe('counters', () => {
  it('keeps each counted rule\'s packets and bytes beside its text', () => {
    const t = liveTable(JSON.parse(fixture('forms.json')), 'topo-cap')!;
    const input = t.chains.find((c) => c.name === 'input')!;
    const counted = input.rules.flatMap((r, i) => (input.counters?.[i] ? [r] : []));
    expect(counted).toEqual(['ct state new tcp dport 22 counter accept', 'counter reject', 'iifname "a" oifname "b" meta l4proto udp counter drop']);
    expect(input.counters?.find(Boolean)).toEqual({ packets: 0, bytes: 0 });
  });
});

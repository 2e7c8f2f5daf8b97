// Rules topo marks with `comment "topo:<hash>"` (raw rules, whose text nft may print otherwise than the file wrote
// it) are compared by that mark, not by their text; every other rule by its text, as before.
import { describe, expect, it } from 'vitest';
import { compareTables, liveTable, ruleKey, ruleText, topoMark, type NftTable } from '../../src/kinds/nft-table.js';

const HEADER = 'type filter hook input priority filter; policy accept;';
const table = (rules: string[]): NftTable => ({ table: 't', chains: [{ name: 'input', header: HEADER, rules }], others: [] });
const mark = topoMark('meta mark 0x1 counter accept');

describe('topoMark', () => {
  it('is a short hash of the text: the same text the same mark, another text another', () => {
    expect(mark).toMatch(/^topo:[0-9a-f]{8}$/);
    expect(topoMark('meta mark 0x1 counter accept')).toBe(mark);
    expect(topoMark('meta mark 0x2 counter accept')).not.toBe(mark);
  });
});

describe('ruleKey', () => {
  it('is the mark of a marked rule and the text of any other', () => {
    expect(ruleKey(`mark 1 counter accept comment "${mark}"`)).toBe(mark);
    expect(ruleKey('tcp dport 22 accept comment "x y"')).toBe('tcp dport 22 accept comment "x y"');
    expect(ruleKey('tcp dport 22 accept')).toBe('tcp dport 22 accept');
  });
});

describe('compareTables with marked rules', () => {
  const want = table(['ct state established,related accept', `meta mark 0x1 counter accept comment "${mark}"`]);

  it('finds a marked rule equal however nft prints its body', () => {
    expect(compareTables(want, table(['ct state established,related accept', `mark 1 counter accept comment "${mark}"`]))).toEqual([]);
  });

  it('finds a marked rule whose mark is gone (edited by hand) missing, and the edited one extra', () => {
    expect(compareTables(want, table(['ct state established,related accept', 'mark 2 counter accept']))).toEqual([
      ['input', 'mark 2 counter accept', undefined],
      ['input', undefined, `meta mark 0x1 counter accept comment "${mark}"`],
    ]);
  });

  it('notices a marked rule moved', () => {
    expect(compareTables(want, table([`mark 1 counter accept comment "${mark}"`, 'ct state established,related accept'])).map(([f]) => f)).toEqual(['input order']);
  });

  it('recognises a rule topo cannot print by its mark', () => {
    const text = ruleText([{ log: { prefix: 'x' } }], mark);
    expect(text).toBe(`# rule topo cannot print: [{"log":{"prefix":"x"}}] comment "${mark}"`);
    expect(ruleKey(text)).toBe(mark);
    const live = liveTable({ nftables: [{ table: { name: 't' } }, { chain: { name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
      { rule: { chain: 'input', expr: [{ log: { prefix: 'x' } }], comment: mark } }] }, 't')!;
    expect(compareTables(table([`log prefix "x" comment "${mark}"`]), live)).toEqual([]);
  });
});

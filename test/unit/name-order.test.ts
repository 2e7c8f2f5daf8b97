// core/names.ts nameOrder: the order localeCompare gives names (ICU's root collation), checked against
// localeCompare itself on generated names: of the names' own characters, and with others mixed in (compared by
// localeCompare then), near-equal pairs (one character or its case changed) most of all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameOrder } from '../../src/core/names.js';

const sign = (n: number) => Math.sign(n);
const NAME_CHARS = [...'_-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const name = fc.array(fc.constantFrom(...NAME_CHARS), { maxLength: 12 }).map((cs) => cs.join(''));
const other = fc.array(fc.constantFrom(...NAME_CHARS, '@', ':', ' ', 'é', 'ß', '\u0000', '~', 'ü', '#'), { maxLength: 8 }).map((cs) => cs.join(''));
/** A name and one like it: a character changed, its case flipped, or one added. */
const nearPair = fc.tuple(name, fc.nat(), fc.constantFrom(...NAME_CHARS), fc.constantFrom('swap', 'case', 'add')).map(([a, i, c, how]) => {
  const k = a.length ? i % a.length : 0;
  const b = how === 'swap' ? a.slice(0, k) + c + a.slice(k + 1) : how === 'case'
    ? a.slice(0, k) + (a[k] === a[k]?.toUpperCase() ? (a[k] ?? '').toLowerCase() : (a[k] ?? '').toUpperCase()) + a.slice(k + 1)
    : a.slice(0, k) + c + a.slice(k);
  return [a, b] as const;
});

describe('nameOrder = localeCompare', () => {
  it('on names of the lab\'s characters', () => {
    fc.assert(fc.property(name, name, (a, b) => sign(nameOrder(a, b)) === sign(a.localeCompare(b))), { numRuns: 5000 });
  });
  it('on near-equal names (case, one character)', () => {
    fc.assert(fc.property(nearPair, ([a, b]) => sign(nameOrder(a, b)) === sign(a.localeCompare(b))), { numRuns: 5000 });
  });
  it('on names with other characters', () => {
    fc.assert(fc.property(other, other, (a, b) => sign(nameOrder(a, b)) === sign(a.localeCompare(b))), { numRuns: 3000 });
  });
  it('examples: punctuation, digits, then letters; case-blind first, lower case first', () => {
    const sorted = ['a1', 'Ab', 'a/b', 'ab1', 'AB', 'a_b', 'aB', 'a.b', 'ab', 'a-b', 'NS1/veth11', 'host/veth10'].sort(nameOrder);
    expect(sorted).toEqual(['a_b', 'a-b', 'a.b', 'a/b', 'a1', 'ab', 'aB', 'Ab', 'AB', 'ab1', 'host/veth10', 'NS1/veth11']);
  });
});

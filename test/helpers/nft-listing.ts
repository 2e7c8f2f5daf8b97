// The nftables fixtures (test/fixtures/kernel/nftables, see its README) and nft's own text listing of a table, for
// tests that compare what topo writes or reads with what nft 1.0.6 printed.
import { readFileSync } from 'node:fs';

/** A fixture file's text. */
export const nftFixture = (f: string) => readFileSync(new URL(`../fixtures/kernel/nftables/${f}`, import.meta.url), 'utf8');

/** The rule lines of `nft list table` output, by chain, with `counter packets N bytes M` shortened to `counter`. */
export function nftListed(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let chain = '';
  for (const line of text.split('\n')) {
    const m = /^\tchain (\S+) \{$/.exec(line);
    if (m) { chain = m[1]; out[chain] = []; continue; }
    if (!line.startsWith('\t\t') || line.startsWith('\t\ttype ')) continue;
    out[chain].push(line.slice(2).replace(/counter packets \d+ bytes \d+/, 'counter'));
  }
  return out;
}

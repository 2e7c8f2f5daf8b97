// How a plain (unquoted) scalar resolves under the YAML 1.2 core schema (YAML 1.2.2 spec, 10.3.2), in the order
// tried: what the `yaml` package does for version 1.2 documents, written out so that the fast path (js-yaml) can
// resolve alike without loading `yaml`. test/validate/yaml-fast.test.ts checks both paths give the same data.

export interface CoreScalar { test: RegExp; resolve: (s: string) => null | boolean | number }

export const CORE_SCALARS: CoreScalar[] = [
  { test: /^(?:~|[Nn]ull|NULL)?$/, resolve: () => null },
  { test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, resolve: (s) => s[0] === 't' || s[0] === 'T' },
  { test: /^0o[0-7]+$/, resolve: (s) => parseInt(s.slice(2), 8) },
  { test: /^[-+]?[0-9]+$/, resolve: (s) => parseInt(s, 10) },
  { test: /^0x[0-9a-fA-F]+$/, resolve: (s) => parseInt(s.slice(2), 16) },
  { test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity) },
  { test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, resolve: (s) => parseFloat(s) },
  { test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, resolve: (s) => parseFloat(s) },
];

/** The characters a core scalar may start with (and the empty scalar is null): a plain scalar starting otherwise is a string. */
const MAY_START = /^[~nNtTfF0-9+\-.]/;

/** The core scalar a plain scalar resolves as (the first in CORE_SCALARS' order that takes it), or undefined: a string. */
export function coreScalarOf(s: string): CoreScalar | undefined {
  return s === '' || MAY_START.test(s) ? CORE_SCALARS.find((t) => t.test.test(s)) : undefined;
}

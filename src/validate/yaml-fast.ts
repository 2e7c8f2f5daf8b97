// Fast path for loading a topology file: plain YAML parsed with js-yaml (about ten times faster than the `yaml`
// package) into exactly the data that parseSource would give, or undefined whenever that is in any doubt. Plain
// scalars resolve as in the YAML 1.2 core schema (yaml-core-scalars.ts), as parseSource's, so "1_000", "0b1", "yes" or "010" mean the
// same on both paths. No positions here: whoever finds a problem in the data goes back to parseSource for line:col.
import { FAILSAFE_SCHEMA, load, Type, type LoadOptions } from 'js-yaml';
import { coreScalarOf } from './yaml-core-scalars.js';
import { plainSubset } from './yaml-plain-scan.js';
import { flowTooDeep, LIMITS } from './yaml-source.js';

const LOAD_OPTIONS: LoadOptions = {
  schema: FAILSAFE_SCHEMA.extend({
    // One js-yaml type for the core schema's plain scalars (null, bool, int, float: coreScalarOf picks which, in the
    // core schema's order); js-yaml asks every implicit type of every plain scalar, keys included, so one type with
    // a test of the first character answers most of them (names, addresses) at once.
    implicit: [new Type('tag:topo,core-scalar', {
      kind: 'scalar', resolve: (s: string) => coreScalarOf(s) !== undefined, construct: (s: string) => coreScalarOf(s)!.resolve(s),
    })],
  }),
  onWarning: (e) => { throw e; },
};

/**
 * The file's data, when the text is plain YAML that both parsers read alike and the data is within parseSource's
 * limits; undefined means "use parseSource" (which then also finds and places every problem).
 */
export function fastParse(text: string): Record<string, unknown> | undefined {
  if (flowTooDeep(text) >= 0 || !plainSubset(text)) return undefined;
  let data: unknown;
  try {
    data = load(text, LOAD_OPTIONS);
  } catch {
    return undefined;
  }
  return isPlainObject(data) && new PlainData().holds(data, 0) ? data : undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Walks the parsed data with parseSource's limits (depth, number of values) and its notion of a plain value. */
class PlainData {
  private nodes = 0;

  holds(v: unknown, depth: number): boolean {
    if (depth > LIMITS.depth || ++this.nodes > LIMITS.nodes) return false;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!this.holds(v[i], depth + 1)) return false;
      return true;
    }
    if (!isPlainObject(v)) return false;
    for (const k of Object.keys(v)) if (!isStringKey(k) || !this.holds(v[k], depth + 1)) return false;
    return true;
  }
}

/**
 * False for a key that may have been a number, bool or null in the text: js-yaml turns those into String(value)
 * ("010" → "10", "~" → "null", ".nan" → "NaN") where parseSource keeps the text as written.
 */
function isStringKey(k: string): boolean {
  let ok = stringKeys.get(k);
  if (ok === undefined) {
    if (stringKeys.size > 10_000) stringKeys.clear();
    stringKeys.set(k, ok = coreScalarOf(k) === undefined && k !== 'NaN' && k !== 'Infinity' && k !== '-Infinity');
  }
  return ok;
}
/** isStringKey's answers: a lab's keys are few and repeat (every namespace's "routes", every route's "to"). */
const stringKeys = new Map<string, boolean>();

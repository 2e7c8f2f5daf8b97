// parentSchemaOf and failedValue find, from an error's paths alone, what ajv's `verbose` option would have put in
// the error (parentSchema, data): checked against ajv itself on every file of the invalid corpus.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA } from '../../src/validate/schema.js';
import { failedValue, parentSchemaOf } from '../../src/validate/schema-error-context.js';

const DIR = join(import.meta.dirname, '../fixtures/invalid');
const verbose = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true }).compile(SCHEMA);

function docOf(name: string): unknown {
  try { return parse(readFileSync(join(DIR, name), 'utf8'), { logLevel: 'silent' }); } catch { return undefined; }
}

describe('schema error context', () => {
  const docs = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => [f, docOf(f)] as const);

  it('matches ajv verbose over the invalid corpus', () => {
    let errors = 0;
    for (const [name, doc] of docs) {
      if (verbose(doc)) continue;
      for (const e of verbose.errors ?? []) {
        errors++;
        const where = `${name}: ${e.schemaPath} at ${e.instancePath}`;
        expect(parentSchemaOf(SCHEMA, e) === e.parentSchema, where).toBe(true);
        expect(Object.is(failedValue(doc, e), e.data), where).toBe(true);
      }
    }
    expect(errors).toBeGreaterThan(50);
  });

  it('reads only own properties of the data and the schema', () => {
    const e = { keyword: 'additionalProperties', instancePath: '/namespaces/constructor', schemaPath: '#/additionalProperties', params: {} };
    const doc = { name: 'x', namespaces: { constructor: { bogus: 1 } } };
    expect(parentSchemaOf(SCHEMA, e)).toBe(SCHEMA.definitions.namespace);
    expect(failedValue(doc, e)).toEqual({ bogus: 1 });
    expect(failedValue({}, { ...e, instancePath: '/toString' })).toBeUndefined();
  });
});

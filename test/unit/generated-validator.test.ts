// The committed precompiled validator (src/validate/generated/topology-validator.ts) is what
// scripts/gen-validator.mjs makes of the schema today: a schema edit without regeneration fails here.
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, validatorSource } from '../../scripts/gen-validator.mjs';
import generated from '../../src/validate/generated/topology-validator.js';

// The generated module is @ts-nocheck: give it ajv's type, as src/validate/schema.ts does.
const validateTopology = generated as unknown as ValidateFunction;

describe('generated validator', () => {
  it('is up to date with schemas/topology.schema.json', () => {
    const fresh = validatorSource() === readFileSync(GENERATED_FILE, 'utf8');
    expect(fresh, 'src/validate/generated/topology-validator.ts is stale: run `npm run gen:validator`').toBe(true);
  });

  it('loads here and validates, with the ajv runtime helper it requires (string lengths)', () => {
    const doc = (name: string) => ({ name: 'lab', veths: [{ ends: [{ name }, { name: 'b' }] }] });
    expect(validateTopology(doc('a'.repeat(15)))).toBe(true);
    expect(validateTopology(doc('a'.repeat(16)))).toBe(false);
    expect(validateTopology.errors?.[0]).toMatchObject({ keyword: 'maxLength', instancePath: '/veths/0/ends/0/name' });
  });
});

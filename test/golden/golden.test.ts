// Golden cases for the pure core, nmstate-style: one folder per case (see capture.sh for what each file holds).
// The captured kernel output is replayed through the real live reader (src/io/read-live.ts), then planFrom plans
// against it and the rendered plan (with --commands) must equal plan.txt. Adding a case is adding a folder.
// UPDATE_GOLDEN=1 rewrites plan.txt instead of comparing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goldenPlan } from '../helpers/golden.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CASES = readdirSync(HERE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface CaseInfo { description: string; destroy?: boolean }

describe('golden plans (captured ip -json in, plan out)', () => {
  it('has cases', () => expect(CASES.length).toBeGreaterThan(10));
  for (const name of CASES) {
    const dir = join(HERE, name);
    const info = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseInfo;
    it(`${name}: ${info.description}`, async () => {
      expect(existsSync(join(dir, 'netns.json')), `${name} was never captured: run test/golden/capture.sh`).toBe(true);
      const got = await goldenPlan(dir);
      const file = join(dir, 'plan.txt');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});

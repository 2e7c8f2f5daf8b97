// Guard: no test asserts on wall-clock time. On a shared 2-core machine any duration can stretch, so a bound on one
// fails for reasons that are not bugs; speed belongs to `npm run bench`. A test that must show that something
// waited asserts the order of events (what the kernel or a lock file shows at each point), not how long it took.
// Two simple rules, over every test file:
//   1. a *.test.ts file does not read the clock (Date.now, performance.now, process.hrtime, new Date()): what a
//      test doesn't measure, it can't assert on. Helpers (test/helpers) may keep deadlines, which assert nothing.
//   2. no upper bound (toBeLessThan, toBeLessThanOrEqual) on something named as a time (ms, elapsed, waited, ...),
//      such as a duration a program under test reports.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

const CLOCK = /\b(?:Date\.now|performance\.now|process\.hrtime(?:\.bigint)?)\s*\(|\bnew Date\(\s*\)/;
const UPPER_BOUND_ON_TIME =
  /\bexpect\(([^;]*?(?:\b(?:ms|millis|seconds|secs|elapsed|duration|took|waited|time)\b|\w(?:Ms|Millis|Seconds|Elapsed|Duration|Time)\b)[^;]*?)\)(?:\.not)?\.toBeLessThan(?:OrEqual)?\(/i;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') && p !== SELF ? [p] : [];
  });
}

/** `file:line: text` of every line of the test files that matches. */
function offending(rule: RegExp): string[] {
  return testFiles(TEST_DIR).flatMap((f) => readFileSync(f, 'utf8').split('\n')
    .flatMap((line, i) => (rule.test(line) ? [`test/${relative(TEST_DIR, f)}:${i + 1}: ${line.trim()}`] : [])));
}

describe('no wall-clock assertions in tests', () => {
  it('finds the test files', () => {
    expect(testFiles(TEST_DIR).length).toBeGreaterThan(20);
  });

  it('the rules catch what they are meant to catch, and leave counts and order alone', () => {
    for (const bad of ['const t0 = Date.now();', 'const t = performance.now()', 'process.hrtime.bigint()', 'since: new Date()']) {
      expect(CLOCK.test(bad), bad).toBe(true);
    }
    for (const bad of ['expect(waited).toBeLessThan(8000);', 'expect(r.durationMs).toBeLessThanOrEqual(500)',
      'expect(elapsed).not.toBeLessThan(1)', 'expect(json.ms, msg).toBeLessThan(2)']) {
      expect(UPPER_BOUND_ON_TIME.test(bad), bad).toBe(true);
    }
    for (const ok of ["expect(last('namespace')).toBeLessThan(first('bridge'));", 'expect(runs.length).toBeLessThan(3)',
      'expect(ms).toBeGreaterThan(0);', 'expect(timeouts).toBeLessThan(2)']) {
      expect(UPPER_BOUND_ON_TIME.test(ok), ok).toBe(false);
    }
  });

  it('no test file reads the clock', () => {
    expect(offending(CLOCK)).toEqual([]);
  });

  it('no upper bound on a time', () => {
    expect(offending(UPPER_BOUND_ON_TIME)).toEqual([]);
  });
});

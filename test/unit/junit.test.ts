// JUnit XML of a test report: counts, one testcase per probe grouped by namespace, failures with what was
// expected and what came, and text that XML can't hold as it is (markup characters, control characters).
import { describe, expect, it } from 'vitest';
import { junitXml } from '../../src/render/junit.js';
import type { ProbeResult, TestReport } from '../../src/ops/test-run.js';

const probe = (p: Partial<ProbeResult>): ProbeResult => ({
  test: 0, type: 'ping', from: 'a', target: '10.0.0.2', address: '10.0.0.2', expect: 'reachable', result: 'reachable',
  ok: true, ms: 12, attempts: 1, untilMs: 0, intervalMs: 1000, ...p,
});

describe('junitXml', () => {
  it('writes a suite per lab and a case per probe; a failure says what was expected and what came', () => {
    const rep: TestReport = {
      lab: 'web', ok: false, passed: 1, failed: 1, ms: 2345, results: [
        probe({}),
        probe({ test: 1, type: 'command', from: 'b', target: 'grep -q "<ok>" /x && echo a&b', address: '', expect: '0', result: '1',
          ok: false, ms: 1500, attempts: 3, detail: 'exit 1\u0007: no "<ok>" & no luck' }),
      ],
    };
    expect(junitXml(rep, new Date('2026-11-30T06:00:00.123Z'))).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="topo" tests="2" failures="1" errors="0" time="2.345">
  <testsuite name="web" tests="2" failures="1" errors="0" time="2.345" timestamp="2026-11-30T06:00:00">
    <testcase classname="web.a" name="ping 10.0.0.2 (reachable)" time="0.012"/>
    <testcase classname="web.b" name="command $ grep -q &quot;&lt;ok&gt;&quot; /x &amp;&amp; echo a&amp;b (exit 0)" time="1.500">
      <failure message="expected exit 0, got 1 after 3 tries" type="1">exit 1: no &quot;&lt;ok&gt;&quot; &amp; no luck</failure>
    </testcase>
  </testsuite>
</testsuites>
`);
  });

  it('an empty report is a suite with no cases', () => {
    expect(junitXml({ lab: 'x', ok: true, passed: 0, failed: 0, ms: 0, results: [] }, new Date(0)))
      .toContain('<testsuite name="x" tests="0" failures="0" errors="0" time="0.000" timestamp="1970-01-01T00:00:00">\n  </testsuite>');
  });
});

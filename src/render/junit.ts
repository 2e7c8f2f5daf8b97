// `topo test --junit FILE`: the lab's test results as JUnit XML, the format CI dashboards read (GitHub, GitLab,
// Jenkins). One <testsuite> per lab; one <testcase> per probe, grouped by the namespace it runs from (classname
// LAB.FROM), named like the table's row; a test that failed has a <failure> saying what was expected and what came.
import type { ProbeResult, TestReport } from '../ops/test-run.js';
import { expected, result, target } from './test-table.js';

const escape = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]!))
  // XML 1.0 has no way to write most control characters: they are dropped (a command's output may hold some).
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The row's words: "ping 10.0.0.2 (reachable)", "tcp web:80 (open)", "command $ curl ... (exit 0)". */
const caseName = (r: ProbeResult) => `${r.type} ${target(r)} (${expected(r)})`;

function testcase(lab: string, r: ProbeResult): string {
  const head = `    <testcase classname="${escape(`${lab}.${r.from}`)}" name="${escape(caseName(r))}" time="${seconds(r.ms)}"`;
  if (r.ok) return `${head}/>\n`;
  const message = `expected ${expected(r)}, got ${result(r)}${r.attempts > 1 ? ` after ${r.attempts} tries` : ''}`;
  return `${head}>\n      <failure message="${escape(message)}" type="${escape(r.result)}">${escape(r.detail ?? message)}</failure>\n    </testcase>\n`;
}

export function junitXml(rep: TestReport, at: Date = new Date()): string {
  const counts = `tests="${rep.results.length}" failures="${rep.failed}" errors="0" time="${seconds(rep.ms)}"`;
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<testsuites name="topo" ${counts}>\n`
    + `  <testsuite name="${escape(rep.lab)}" ${counts} timestamp="${at.toISOString().replace(/\.\d+Z$/, '')}">\n`
    + rep.results.map((r) => testcase(rep.lab, r)).join('')
    + '  </testsuite>\n</testsuites>\n';
}

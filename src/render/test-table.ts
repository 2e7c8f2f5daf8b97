// `topo test` output: a table (from, target, expected, result, time) and a summary line, or the same as data.
import type { ProbeResult, TestReport } from '../ops/test-run.js';

const HEAD = ['', 'FROM', 'TARGET', 'EXPECTED', 'RESULT', 'TIME'];

export function testTable(rep: TestReport): string {
  if (!rep.results.length) return `Lab "${rep.lab}" declares no tests.\n`;
  const rows = rep.results.map((r) => [r.ok ? 'ok' : 'FAIL', r.from, target(r), r.expect, r.result, `${r.ms} ms`]);
  const width = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]))).join('  ').trimEnd();
  let out = `${line(HEAD)}\n${rows.map(line).join('\n')}\n`;
  for (const r of rep.results) if (!r.ok && r.detail) out += `  ${r.from} -> ${r.address}: ${r.detail}\n`;
  out += rep.ok
    ? `All ${rep.passed} test(s) hold (${(rep.ms / 1000).toFixed(2)} s).\n`
    : `${rep.failed} of ${rep.results.length} test(s) failed (${(rep.ms / 1000).toFixed(2)} s).\n`;
  return out;
}

const target = (r: ProbeResult) => (r.target === r.address ? r.address : `${r.target} (${r.address})`);

export function testJson(rep: TestReport) {
  return {
    ok: rep.ok, lab: rep.lab, passed: rep.passed, failed: rep.failed, ms: rep.ms,
    results: rep.results.map((r) => ({
      test: r.test, from: r.from, target: r.target, address: r.address, expect: r.expect, result: r.result, ok: r.ok, ms: r.ms,
      ...(r.detail ? { detail: r.detail } : {}),
    })),
  };
}

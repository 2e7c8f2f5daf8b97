// `topo test` output: a table (from, target, expected, result, time) and a summary line, or the same as data. Every
// type of test shares the table: a ping's target is its address, a tcp test's HOST:PORT, an http test's URL (with
// the address a namespace name stood for), a command test's command.
import type { ProbeResult, TestReport } from '../ops/test-run.js';

const HEAD = ['', 'FROM', 'TARGET', 'EXPECTED', 'RESULT', 'TIME'];

export function testTable(rep: TestReport): string {
  if (!rep.results.length) return `Lab "${rep.lab}" declares no tests.\n`;
  const rows = rep.results.map((r) => [r.ok ? 'ok' : 'FAIL', r.from, target(r), expected(r), result(r), time(r)]);
  const width = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]))).join('  ').trimEnd();
  let out = `${line(HEAD)}\n${rows.map(line).join('\n')}\n`;
  for (const r of rep.results) if (!r.ok && r.detail) out += `  ${r.from} -> ${r.type === 'command' ? `$ ${short(r.target)}` : r.address}: ${r.detail}\n`;
  out += rep.ok
    ? `All ${rep.passed} test(s) hold (${(rep.ms / 1000).toFixed(2)} s).\n`
    : `${rep.failed} of ${rep.results.length} test(s) failed (${(rep.ms / 1000).toFixed(2)} s).\n`;
  return out;
}

const short = (s: string) => (s.length > 40 ? `${s.slice(0, 37)}...` : s);

export function target(r: ProbeResult): string {
  if (r.type === 'command') return `$ ${short(r.target)}`;
  if (r.type === 'http') return r.target === r.address ? r.target : `${r.target} (${new URL(r.address).host})`;
  return r.target === r.address ? r.address : `${r.target} (${r.address})`;
}

export function expected(r: ProbeResult): string {
  if (r.type === 'http') return `status ${r.expect}`;
  if (r.type === 'command') return `exit ${r.expect}${r.output !== undefined ? `, output /${r.output}/` : ''}`;
  return r.expect;
}

export const result = (r: ProbeResult) => (r.type === 'http' && /^\d+$/.test(r.result) ? `status ${r.result}` : r.result);

const time = (r: ProbeResult) => `${r.ms} ms${r.attempts > 1 ? ` (${r.attempts} tries)` : ''}`;

export function testJson(rep: TestReport) {
  return {
    ok: rep.ok, lab: rep.lab, passed: rep.passed, failed: rep.failed, ms: rep.ms,
    results: rep.results.map((r) => ({
      test: r.test, type: r.type, from: r.from, target: r.target, address: r.address, expect: r.expect, result: r.result, ok: r.ok, ms: r.ms,
      attempts: r.attempts, ...(r.output !== undefined ? { output: r.output } : {}), ...(r.detail ? { detail: r.detail } : {}),
    })),
  };
}

// `topo ls`: the labs on this machine as a table (one line each, then a line per lab for what needs saying: its
// host changes, a record or file problem), or one JSON document.
import type { FileStatus, LabRow } from '../ops/labs.js';

export function labsJson(rows: LabRow[]) {
  return { ok: true, labs: rows };
}

/** The STATUS column: how the lab stands with its record and its file. */
function status(r: LabRow): string {
  if (r.record === 'none') return 'no record (found by its marks)';
  if (r.record === 'unreadable') return 'record unreadable';
  const f: FileStatus = r.file;
  switch (f.status) {
    case 'unknown': return 'file unknown';
    case 'in-sync': return `in sync with ${f.path}`;
    case 'drift': return `drift (${f.drift} change(s)${f.conflicts ? `, ${f.conflicts} conflict(s)` : ''}) against ${f.path}`;
    case 'missing': return 'file gone';
    case 'invalid': return 'file invalid';
    case 'other-lab': return 'file is another lab\'s';
  }
}

/** What a lab's line can't hold: its host changes, why its record or file can't be used. */
function notes(r: LabRow): string[] {
  const out: string[] = [];
  if (r.host.length) out.push(`in the host namespace: ${r.host.join(', ')}`);
  if (r.recordProblem) out.push(r.recordProblem.split('\n').join('\n    '));
  if ('problem' in r.file) out.push(r.file.problem);
  return out;
}

export function labsText(rows: LabRow[]): string {
  if (!rows.length) return 'no labs on this machine\n';
  const head = ['LAB', 'NAMESPACES', 'OBJECTS', 'PROCESSES', 'HOST', 'STATUS'];
  const body = rows.map((r) => [r.name, String(r.namespaces.length), String(r.objects), String(r.processes), String(r.host.length), status(r)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  let out = [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(w[i]))).join('  ')).join('\n') + '\n';
  for (const r of rows) for (const n of notes(r)) out += `${r.name}: ${n}\n`;
  return out;
}

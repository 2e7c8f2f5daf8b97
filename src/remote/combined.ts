// The fan-out's pure parts: each host's answer read from its output, the hosts' answers combined into one
// document and one text grouped by host, the checks of preflight, and the rollback each host needs after a
// failed apply. No processes, no I/O (unit-tested on fixtures: test/unit/fanout.test.ts).
import { nameOrder } from '../core/names.js';
import { FORMAT_VERSION } from '../api/documents.js';
import { EXIT, TopoError } from '../errors.js';
import { commandText } from './ssh.js';
import type { HostRun } from './hosts-run.js';

/** ssh's own exit code when it failed (the remote command's is passed through otherwise). */
export const SSH_FAILED = 255;
/** The shell's exit code for a command it cannot find. */
const NOT_FOUND = 127;

/** How to put topo on a host, said when a host has none. */
export const INSTALL_HINT = 'install topo on the host (from a checkout: npm pack, copy topo-netns-<version>.tgz there, npm i -g topo-netns-<version>.tgz), '
  + 'or name the command that runs it there with machines.HOST.topo (e.g. "node /opt/topo/bin/topo.js")';

/** An error document of topo's (--json): what render/errors.ts errorJson writes. */
export interface HostError { code: string; message: string; hint?: string; [k: string]: unknown }

/** One host's answer: topo's JSON document, or why there is none (ssh failed, no topo, not JSON). */
export type HostAnswer<D> = { host: string; ok: true; doc: D; exitCode: number } | { host: string; ok: false; error: HostError; exitCode: number; reached: boolean };

/** The host's JSON document, or the error it printed (its own, or one made from ssh's message). */
export function answerOf<D>(r: HostRun): HostAnswer<D> {
  if (r.exitCode === SSH_FAILED && !isJson(r.stdout)) return { host: r.host, ok: false, reached: false, exitCode: EXIT.FAILED, error: unreachable(r) };
  if (r.exitCode === NOT_FOUND && !isJson(r.stdout)) return { host: r.host, ok: false, reached: true, exitCode: EXIT.FAILED, error: noTopo(r) };
  let doc: unknown;
  try { doc = JSON.parse(r.stdout); } catch {
    return { host: r.host, ok: false, reached: true, exitCode: r.exitCode || EXIT.FAILED, error: { code: 'E_HOST_OUTPUT',
      message: `host ${r.host}: topo answered with no JSON document (exit ${r.exitCode}): ${oneLine(r.stderr || r.stdout) || 'no output'}`, command: commandText(r.argv) } };
  }
  const d = doc as { ok?: boolean; error?: HostError };
  if (d && d.ok === false && d.error) return { host: r.host, ok: false, reached: true, exitCode: r.exitCode || EXIT.FAILED, error: { ...d.error, message: `host ${r.host}: ${d.error.message}` } };
  return { host: r.host, ok: true, doc: doc as D, exitCode: r.exitCode };
}

const isJson = (s: string) => { try { JSON.parse(s); return true; } catch { return false; } };
const oneLine = (s: string) => s.trim().split('\n').filter(Boolean).join('; ');

function unreachable(r: HostRun): HostError {
  const target = r.argv[r.argv.indexOf('--') + 1] ?? r.host;
  return { code: 'E_HOST_UNREACHABLE', message: `host ${r.host}: ssh failed: ${oneLine(r.stderr) || `exit ${r.exitCode}`}`, command: commandText(r.argv),
    hint: `check that \`ssh -o BatchMode=yes ${target} true\` works from this machine, without a prompt (the host's address and sshd, your key, its host key in known_hosts; the file's port and identity, --ssh-config)` };
}

function noTopo(r: HostRun): HostError {
  return { code: 'E_HOST_NO_TOPO', message: `host ${r.host}: topo is not installed there (or not on the PATH of ssh's commands): ${oneLine(r.stderr)}`,
    command: commandText(r.argv), hint: INSTALL_HINT };
}

/** Whether a host's topo (its --version) can be driven by this one: the same major version (the same minor in 0.x). */
export function versionCompatible(mine: string, theirs: string): boolean {
  const parse = (v: string) => /^(\d+)\.(\d+)\.\d+/.exec(v.trim())?.slice(1, 3).map(Number);
  const a = parse(mine), b = parse(theirs);
  if (!a || !b) return false;
  return a[0] === b[0] && (a[0] !== 0 || a[1] === b[1]);
}

/** Preflight's finding on one host: undefined when it is reached and runs a compatible topo. */
export function preflightError(r: HostRun, mine: string): HostError | undefined {
  if (r.exitCode === SSH_FAILED) return unreachable(r);
  if (r.exitCode === NOT_FOUND) return noTopo(r);
  if (r.exitCode !== 0) return { code: 'E_HOST_NO_TOPO', message: `host ${r.host}: \`topo --version\` failed (exit ${r.exitCode}): ${oneLine(r.stderr) || oneLine(r.stdout)}`, command: commandText(r.argv), hint: INSTALL_HINT };
  const theirs = r.stdout.trim().split('\n')[0]!.trim(); // its first line (the engine line follows)
  if (!versionCompatible(mine, theirs)) {
    return { code: 'E_HOST_VERSION', message: `host ${r.host}: topo ${theirs || '(no version)'} there, ${mine} here: the versions must match (the same major version; in 0.x the same minor)`,
      command: commandText(r.argv), hint: `install topo ${mine} on ${r.host} (npm pack here, then npm i -g topo-netns-${mine}.tgz there)` };
  }
  return undefined;
}

/** One error for the hosts that failed: each named, its message and command; the worst exit code of theirs. */
export function hostsError(what: string, failed: { host: string; error: HostError; exitCode: number }[], extra: Record<string, unknown> = {}): TopoError {
  const [first] = failed;
  const message = failed.length === 1 ? `${what}: ${first!.error.message}` : `${what} on ${failed.length} hosts: ${failed.map((f) => f.error.message).join('; ')}`;
  const hint = [...new Set(failed.map((f) => f.error.hint).filter((h): h is string => typeof h === 'string'))].join('; ');
  return new TopoError(failed.length === 1 ? first!.error.code : 'E_HOSTS', message, Math.max(...failed.map((f) => f.exitCode)),
    { hosts: Object.fromEntries(failed.map((f) => [f.host, f.error])), ...extra, ...(hint ? { hint } : {}) });
}

/** A change of a host's plan document (the fields the combined text shows). */
interface Change { op: 'create' | 'update' | 'delete'; namespace: string; label: string }
export interface HostPlan { ok?: boolean; lab: string; changes: Change[]; summary: { create: number; update: number; delete: number }; recorded_file?: string }

const SIGN = { create: '+', update: '~', delete: '-' } as const;
/** How the combined outputs name a host's namespace: its name in the file (NS@HOST; host@HOST its root namespace). */
const inFile = (ns: string, host: string) => `${ns}@${host}`;

/** The combined plan: each host's changes under its name, namespaces as the file names them, then the totals. */
export function combinedPlanText(plans: Record<string, HostPlan>): string {
  let out = '';
  const total = { create: 0, update: 0, delete: 0 };
  for (const [host, p] of Object.entries(plans)) {
    out += `host ${host} (lab ${p.lab}): ${p.changes.length ? `${p.summary.create} to create, ${p.summary.update} to change, ${p.summary.delete} to delete` : 'no changes'}\n`;
    const byNs = new Map<string, Change[]>();
    for (const c of p.changes) (byNs.get(c.namespace) ?? byNs.set(c.namespace, []).get(c.namespace)!).push(c);
    for (const [ns, cs] of [...byNs].sort(([a], [b]) => (a === 'host' ? -1 : b === 'host' ? 1 : nameOrder(a, b)))) {
      out += `  namespace ${inFile(ns, host)}:\n`;
      for (const c of cs) out += `    ${SIGN[c.op]} ${c.label}\n`;
    }
    for (const k of ['create', 'update', 'delete'] as const) total[k] += p.summary[k];
  }
  return `${out}\nPlan: ${total.create} to create, ${total.update} to change, ${total.delete} to delete, on ${Object.keys(plans).length} host(s).\n`;
}

/** The combined document of a command: each host's own document under its name; `ok` when every host's is. */
export function combinedDoc<D extends { ok?: boolean }, E extends object = object>(lab: string, docs: Record<string, D>, extra?: E) {
  return { format_version: FORMAT_VERSION, ok: Object.values(docs).every((d) => d.ok !== false), lab, hosts: docs, ...(extra as E) };
}

/** A test's result as a host's `topo test --json` gives it. */
interface TestRow { ok: boolean; from: string; target: string; address: string; expect: string; result: string; ms: number; detail?: string }
export interface HostTests { ok: boolean; passed: number; failed: number; ms: number; results: TestRow[] }

/** One table of every host's tests, each test's `from` as the file names it (NS@HOST). */
export function combinedTestText(tests: Record<string, HostTests>): string {
  const rows: string[][] = [];
  const details: string[] = [];
  let passed = 0, failed = 0;
  for (const [host, t] of Object.entries(tests)) {
    passed += t.passed; failed += t.failed;
    for (const r of t.results) {
      const target = r.target === r.address ? r.address : `${r.target} (${r.address})`;
      rows.push([r.ok ? 'ok' : 'FAIL', inFile(r.from, host), target, r.expect, r.result, `${r.ms} ms`]);
      if (!r.ok && r.detail) details.push(`  ${inFile(r.from, host)} -> ${r.address}: ${r.detail}\n`);
    }
  }
  if (!rows.length) return 'The lab declares no tests.\n';
  const head = ['', 'FROM', 'TARGET', 'EXPECT', 'RESULT', 'TIME'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]!))).join('  ').trimEnd();
  return `${line(head)}\n${rows.map(line).join('\n')}\n${details.join('')}`
    + (failed ? `${failed} of ${passed + failed} test(s) failed, on ${Object.keys(tests).length} host(s).\n` : `All ${passed} test(s) hold, on ${Object.keys(tests).length} host(s).\n`);
}

/** What a host needs after an apply that failed elsewhere. */
export type Rollback =
  | { host: string; action: 'none'; why: string }
  | { host: string; action: 'reapply'; file: string }
  | { host: string; action: 'destroy' }
  | { host: string; action: 'unknown'; why: string };

/**
 * The rollback of each host after phase 2 failed on at least one: a host that failed has rolled itself back (its
 * own apply's rollback); a host that applied changes goes back to what it had before this apply — the file its
 * record named (re-applied there), or nothing (its slice destroyed); a host that changed nothing needs nothing; a
 * host that could not be reached or gave no answer is unknown (said, not guessed at).
 */
export function rollbacks(answers: HostAnswer<{ changed: boolean }>[], previous: Record<string, string | undefined>): Rollback[] {
  return answers.map((a): Rollback => {
    if (!a.ok) {
      return a.reached && a.error.code !== 'E_HOST_OUTPUT' ? { host: a.host, action: 'none', why: 'its apply failed and rolled itself back' }
        : { host: a.host, action: 'unknown', why: `no answer from its apply: ${a.error.message}` };
    }
    if (!a.doc.changed) return { host: a.host, action: 'none', why: 'its apply changed nothing' };
    const file = previous[a.host];
    return file ? { host: a.host, action: 'reapply', file } : { host: a.host, action: 'destroy' };
  });
}

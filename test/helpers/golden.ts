// Replaying a golden case (see test/golden/capture.sh): the captured kernel output answers the live reader's
// commands, and the case's file (or another text of it) is planned against it as `topo plan --commands` would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { labIdentity } from '../../src/core/lab.js';
import { planFrom } from '../../src/kinds/index.js';
import { readScope } from '../../src/core/pipeline.js';
import { emptyState, type StateRecord } from '../../src/core/state.js';
import type { KindContext } from '../../src/core/kind.js';
import { listNetns, readLive } from '../../src/io/read-live.js';
import type { Runner } from '../../src/io/runner.js';
import { conflictError } from '../../src/ops/conflicts.js';
import { findMarkedNamespaces } from '../../src/ops/observe.js';
import { renderPlanText } from '../../src/render/plan.js';
import { validateText } from '../../src/validate/index.js';
import type { Topology } from '../../src/model.js';

interface CaseInfo { description: string; destroy?: boolean }

/** The lines capture.sh's batch reads, in order: live/<ns>.json holds one document per line. */
const CAPTURED = ['addr show', 'route show table all', 'netns list-id'];

/** Answers the reader's commands from the captured files; anything else is a test failure. */
export function replayRunner(dir: string): Runner {
  const file = (p: string) => readFileSync(join(dir, p), 'utf8');
  const has = (p: string) => existsSync(join(dir, p));
  const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
  const gone = { stdout: '', stderr: 'Cannot open network namespace: No such file or directory\n', exitCode: 1 };
  return async (argv, opts) => {
    const a = argv.join(' ');
    if (a === 'ip -json netns list') return ok(file('netns.json'));
    let m = /^ip (?:-n (\S+) )?-json -d -batch -$/.exec(a);
    if (m) {
      const ns = m[1] ?? 'host';
      if (!has(`live/${ns}.json`)) return gone;
      // Captured as one batch of these lines (see capture.sh): each line of the read is answered by its document.
      const docs = file(`live/${ns}.json`).split('\n');
      const answer = (line: string) => {
        const i = CAPTURED.indexOf(line === 'link show' || line === 'link show dev lo' ? 'addr show' : line);
        if (i < 0) throw new Error(`golden replay: no captured output for "${line}" in ${ns}`);
        const doc = JSON.parse(docs[i]) as { ifname: string }[];
        return JSON.stringify(line === 'link show dev lo' && i === 0 ? doc.filter((l) => l.ifname === 'lo') : doc);
      };
      return ok((opts?.input ?? '').split('\n').filter(Boolean).map((l) => `${answer(l)}\n`).join(''));
    }
    m = /^ip netns exec (\S+) grep -H {2}(.+)$/.exec(a);
    if (m) {
      const files = m[2].split(' ');
      const { found, missing } = replaySysctls(dir, m[1], files);
      return { stdout: found.map(([f, v]) => `${f}:${v}\n`).join(''), stderr: missing.map((f) => `grep: ${f}: No such file or directory\n`).join(''), exitCode: missing.length ? 2 : 0 };
    }
    throw new Error(`golden replay: no captured output for: ${a}`);
  };
}

/** Captured sysctl values (`live/<ns>.sysctl`, as `sysctl -e` printed them) of the given /proc/sys files. */
function replaySysctls(dir: string, ns: string, files: string[]): { found: [string, string][]; missing: string[] } {
  const p = join(dir, `live/${ns}.sysctl`);
  const values = new Map((existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.includes(' = ')) : [])
    .map((l) => [`/proc/sys/${l.split(' = ')[0].replace(/\./g, '/')}`, l.slice(l.indexOf(' = ') + 3)]));
  return { found: files.filter((f) => values.has(f)).map((f) => [f, values.get(f)!]), missing: files.filter((f) => !values.has(f)) };
}

/** The host's /proc/sys as captured: what readLive reads in-process. */
export function replayProcSys(dir: string): (path: string) => string {
  return (path) => {
    const { found } = replaySysctls(dir, 'host', [path]);
    if (!found.length) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return `${found[0][1]}\n`;
  };
}

/** The plan (of the case's file, or of `text`) exactly as `topo plan --commands` (or destroy's plan) would print it, conflicts included. */
export async function goldenPlan(dir: string, text: string | Buffer = readFileSync(join(dir, 'topology.yaml'))): Promise<string> {
  const info = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseInfo;
  const { topo, problems } = validateText(text, 'topology.yaml');
  if (!topo) throw new Error(`topology.yaml is invalid: ${JSON.stringify(problems)}`);
  const state: StateRecord = existsSync(join(dir, 'state.json'))
    ? { ...emptyState(topo.name), ...JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) }
    : emptyState(topo.name);
  const ctx: KindContext = { lab: labIdentity(topo.name), state };
  const run = replayRunner(dir);
  const desired: Topology | undefined = info.destroy ? undefined : topo;
  // As ops/destroy.ts: namespaces marked as the lab's, and those the file names, are read too.
  const extra = info.destroy
    ? [...await findMarkedNamespaces(run, ctx, state.namespaces), ...Object.keys(topo.namespaces ?? {})]
    : [];
  const scope = readScope(desired, state);
  const snap = await readLive(run, { namespaces: [...scope.namespaces, ...extra], sysctls: scope.sysctls, procSys: replayProcSys(dir) });
  expect(snap.netns).toEqual(await listNetns(run));
  const { plan, conflicts } = planFrom(desired, snap, ctx);
  // The host namespace's name in `netns` arguments is topo's PID when run: make it stable.
  let out = renderPlanText(plan, { commands: true }).replace(new RegExp(`(netns) ${process.pid}\\b`, 'g'), '$1 <topo-pid>');
  if (conflicts.length) out += `\n${conflictError(topo.name, conflicts).message}\n`;
  return out;
}

// Golden cases (see test/golden/capture.sh): a case is planned through src/ops as `topo plan` (and apply's
// planning) or destroy's planning do it, with the kernel's answers given. Captured, the answers come from the real
// kernel in a sandbox and every read is recorded into the case (reads.json); replayed, the recording answers
// exactly those reads, and a read it has no answer for fails the test, naming it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labIdentity } from '../../src/core/lab.js';
import { emptyState, type StateRecord } from '../../src/core/state.js';
import type { KindContext } from '../../src/core/kind.js';
import type { ToolRead } from '../../src/core/live.js';
import type { RunOptions, RunResult, Runner } from '../../src/io/runner.js';
import { conflictError, foreignInsideError } from '../../src/ops/conflicts.js';
import { planDestroy } from '../../src/ops/destroy.js';
import { observe, type Observed } from '../../src/ops/observe.js';
import { renderPlanText } from '../../src/render/plan.js';
import { validateText } from '../../src/validate/index.js';
import type { Topology } from '../../src/model.js';

export interface CaseInfo { description: string; destroy?: boolean }

/** Everything a plan reads from the kernel: processes, the host's /proc/sys files, the namespaces' identities. */
export interface KernelReads {
  run: Runner;
  procSys: (path: string) => string;
  identity: (ns: string) => Promise<string | undefined>;
  /** The reads topo makes itself (ToolRead tools 'file' and 'procfs'). */
  inProcess: (r: ToolRead) => unknown;
}

/** reads.json: every read a planning pass made, with its answer. */
export interface Recording {
  /** Each distinct command (argv and stdin) once, with what it printed and its exit code. */
  commands: { argv: string[]; input?: string; stdout: string; stderr: string; exitCode: number }[];
  /** Host /proc/sys files by path: the content, or null for "no such file". */
  procSys: Record<string, string | null>;
  /** Namespace identities (io/netns-identity.ts) by name; null: the namespace has no name (any more). */
  identities: Record<string, string | null>;
  /** The reads topo makes itself, by tool and arguments (`procfs lab ns...`): their result (null for none). */
  inProcess?: Record<string, unknown>;
}

const keyOf = (argv: string[], input?: string) => JSON.stringify([argv, input ?? '']);
const toolKey = (r: ToolRead) => [r.tool, ...r.args].join(' ');
const describeRead = (argv: string[], input?: string) =>
  `${argv.join(' ')}${input ? ` with stdin ${JSON.stringify(input.length > 200 ? `${input.slice(0, 200)}...` : input)}` : ''}`;

/** The kernel's reads, each one recorded (with its answer) as it is made. */
export function recorder(kernel: KernelReads): { reads: KernelReads; recording: Recording } {
  const recording: Recording = { commands: [], procSys: {}, identities: {}, inProcess: {} };
  const seen = new Map<string, RunResult>();
  const run = async (argv: string[], opts?: RunOptions) => {
    const r = await kernel.run(argv, opts);
    const key = keyOf(argv, opts?.input), before = seen.get(key);
    if (before && JSON.stringify(before) !== JSON.stringify(r)) throw new Error(`the kernel answered twice, differently: ${describeRead(argv, opts?.input)}`);
    if (!before) {
      seen.set(key, r);
      recording.commands.push({ argv, ...(opts?.input ? { input: opts.input } : {}), stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode });
    }
    return r;
  };
  const procSys = (path: string) => {
    try {
      return (recording.procSys[path] = kernel.procSys(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') recording.procSys[path] = null;
      throw e;
    }
  };
  const identity = async (ns: string) => {
    const id = await kernel.identity(ns);
    recording.identities[ns] = id ?? null;
    return id;
  };
  // Results go through JSON as the replay reads them back (undefined, "nothing there", as null).
  const inProcess = (r: ToolRead) => {
    const v = kernel.inProcess(r);
    recording.inProcess![toolKey(r)] = v === undefined ? null : JSON.parse(JSON.stringify(v));
    return v;
  };
  return { reads: { run, procSys, identity, inProcess }, recording };
}

/** Answers from a recording; a read it holds no answer for is an error naming it. */
export function replayer(rec: Recording): KernelReads {
  const answers = new Map(rec.commands.map((c) => [keyOf(c.argv, c.input), c]));
  const missing = (what: string) => new Error(`golden replay: no recorded answer for ${what} (capture the case again: test/golden/capture.sh)`);
  return {
    run: async (argv, opts) => {
      const c = answers.get(keyOf(argv, opts?.input));
      if (!c) throw missing(describeRead(argv, opts?.input));
      return { stdout: c.stdout, stderr: c.stderr, exitCode: c.exitCode };
    },
    procSys: (path) => {
      if (!(path in rec.procSys)) throw missing(`the host's ${path}`);
      const v = rec.procSys[path];
      if (v === null) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return v;
    },
    identity: async (ns) => {
      if (!(ns in rec.identities)) throw missing(`the identity of namespace ${ns}`);
      return rec.identities[ns] ?? undefined;
    },
    inProcess: (r) => {
      const k = toolKey(r);
      if (!rec.inProcess || !(k in rec.inProcess)) throw missing(`topo's own read ${k}`);
      return rec.inProcess[k] ?? undefined;
    },
  };
}

/** Writes a recording as reads.json: one command a line, sorted, so that a capture's diff reads command by command. */
export function recordingJson(rec: Recording): string {
  const commands = [...rec.commands].sort((a, b) => keyOf(a.argv, a.input).localeCompare(keyOf(b.argv, b.input)));
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return `{\n "commands": [\n${commands.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n ],\n`
    + ` "procSys": ${JSON.stringify(sorted(rec.procSys))},\n "identities": ${JSON.stringify(sorted(rec.identities))}`
    + `${rec.inProcess && Object.keys(rec.inProcess).length ? `,\n "inProcess": ${JSON.stringify(sorted(rec.inProcess))}` : ''}\n}\n`;
}

/** The case's file, validated (or another text of it). */
export function caseTopology(dir: string, text: string | Buffer = readFileSync(join(dir, 'topology.yaml'))): Topology {
  const { topo, problems } = validateText(text, 'topology.yaml');
  if (!topo) throw new Error(`topology.yaml is invalid: ${JSON.stringify(problems)}`);
  return topo;
}

export const caseInfo = (dir: string) => JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseInfo;

/**
 * The plan of the case as `topo plan --commands` prints it (its planning is apply's: ops/observe.ts), or for a
 * destroy case as destroy plans it (ops/destroy.ts planDestroy), against the kernel's reads, followed by why apply or
 * destroy would refuse to run it (objects the lab doesn't own in the way) if they would.
 */
export async function planCase(dir: string, kernel: KernelReads, ctx: KindContext, topo = caseTopology(dir)): Promise<string> {
  const read = { procSys: kernel.procSys, identity: kernel.identity, inProcess: kernel.inProcess };
  const obs: Observed = caseInfo(dir).destroy
    ? await planDestroy(kernel.run, ctx, Object.keys(topo.namespaces ?? {}), read)
    : await observe(kernel.run, topo, ctx, [], read);
  // The host namespace's name in `netns` arguments is topo's PID when run: make it stable.
  let out = renderPlanText(obs.plan, { commands: true }).replace(new RegExp(`(netns) ${process.pid}\\b`, 'g'), '$1 <topo-pid>');
  if (obs.conflicts.length) out += `\n${conflictError(topo.name, obs.conflicts, obs.snap).message}\n`;
  if (obs.inside.length) out += `\n${foreignInsideError(topo.name, obs.inside).message}\n`;
  return out;
}

/** The lab's context as recorded with the case: its record (state.json) and the link group of its name. */
export function caseContext(dir: string, lab: string): KindContext {
  const state: StateRecord = existsSync(join(dir, 'state.json'))
    ? { ...emptyState(lab), ...JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) }
    : emptyState(lab);
  return { lab: labIdentity(lab), state };
}

/** The case replayed from its recording: the plan (of its file, or of `text`) as planCase renders it. */
export async function goldenPlan(dir: string, text?: string | Buffer): Promise<string> {
  const topo = caseTopology(dir, text);
  const rec = JSON.parse(readFileSync(join(dir, 'reads.json'), 'utf8')) as Recording;
  return planCase(dir, replayer(rec), caseContext(dir, topo.name), topo);
}

// `topo sandbox FILE --hold`: the library's sandbox mode (src/api/sandbox-lab.ts; hidden from --help). The lab is
// applied in a sandbox made as for `topo sandbox` (sandbox.ts), and then held: the library runs its calls in
// there (nsenter into the inner topo's namespaces) until it closes this topo's standard input — or dies, which
// closes it too. Standard output carries one JSON document per line:
//   {"event": {...}}                          the apply's progress (api/documents.ts TopoEvent)
//   {"ready": {"lab", "pid", "apply"}}        applied; pid: the inner topo's, as this (outer) PID namespace sees it
//   {"ok": false, "error": {...}}             the apply failed (the sandbox is gone when topo exits)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { constants } from 'node:os';
import type { TopoEvent } from '../api/documents.js';
import { errorJson, exitCodeOf } from '../render/errors.js';
import { loadSpec } from './commands.js';
import { unshareFailed, type SandboxOpts } from './sandbox.js';
import { checkInside, dieWithOuter } from './sandbox-inside.js';

const line = (doc: unknown) => process.stdout.write(`${JSON.stringify(doc)}\n`);

/** The outer half: starts the sandbox, passes its lines on (adding the inner topo's pid), holds it. */
export async function holdOutside(argv: string[]): Promise<number> {
  const child = spawn('unshare', argv, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let released = false;
  const release = () => { released = true; (child.stdio[3] as Socket | null)?.destroy(); };
  process.stdin.on('end', release).on('close', release).on('error', release).resume();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let doc: { ready?: Record<string, unknown> } | undefined;
    try { doc = JSON.parse(text) as typeof doc; } catch { /* passed on as it is */ }
    if (doc?.ready && child.pid) line({ ready: { ...doc.ready, pid: innerPid(child.pid) } });
    else process.stdout.write(`${text}\n`);
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => reject(unshareFailed(e)));
      child.once('exit', (code, signal) => resolve(released ? 0 : code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0)));
    });
  } finally {
    process.stdin.destroy();
  }
}

/** unshare --fork has one child, the sandbox's init: sh, which became the inner topo. */
function innerPid(unshare: number): number {
  return Number(readFileSync(`/proc/${unshare}/task/${unshare}/children`, 'utf8').trim().split(/\s+/)[0]);
}

/** The inner half: applies the lab, says so, and waits for the outer topo to go (dieWithOuter exits then). */
export async function holdInside(file: string, o: SandboxOpts): Promise<number> {
  checkInside(o.inside!);
  dieWithOuter(true);
  process.env.TOPO_STATE_DIR = '/run/topo';
  try {
    const spec = await loadSpec(file);
    const { apply } = await import('../api/host.js');
    const doc = await apply(spec, { onEvent: (e) => line({ event: eventJson(e) }) });
    line({ ready: { lab: spec.name, apply: doc } });
  } catch (e) {
    line(errorJson(e));
    return exitCodeOf(e);
  }
  return new Promise<number>(() => undefined);
}

/** An event as JSON: its errors as the CLI's error documents give them; the plan as its JSON (not topo's own). */
function eventJson(e: TopoEvent): unknown {
  if (e.type === 'plan') return { type: e.type, lab: e.lab, plan: e.plan };
  if (e.type === 'step-failed') return { ...e, error: errorJson(e.error).error };
  if (e.type === 'rollback-done') return { ...e, errors: e.errors.map((x) => errorJson(x).error) };
  return e;
}

// The processes a lab started, as the tests see them: read from /proc by the test itself (as root), by the
// environment marker topo gives every process it starts (TOPO_LAB=<lab>, TOPO_RUN=<name>), zombies left out.
import { readdirSync, readFileSync } from 'node:fs';

export interface Marked { pid: number; run: string; spec: string }

/** Processes on the machine whose environment says TOPO_LAB=<lab>. */
export function marked(lab: string): Marked[] {
  const out: Marked[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let env: string[];
    try { env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0'); } catch { continue; }
    if (!env.includes(`TOPO_LAB=${lab}`)) continue;
    if (!alive(Number(d))) continue;
    const get = (k: string) => env.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
    out.push({ pid: Number(d), run: get('TOPO_RUN'), spec: get('TOPO_SPEC') });
  }
  return out;
}

/** The process exists and is no zombie. */
export const alive = (pid: number): boolean => {
  try { return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
};

/** SIGKILL, by pid, to every process still carrying the lab's marker (a test's cleanup). */
export function killMarked(lab: string): void {
  for (const p of marked(lab)) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** A field of /proc/<pid>/status ("Uid", "Gid", "Groups"), its values split. */
export const statusField = (pid: number, field: string): string[] =>
  (new RegExp(`^${field}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

/** The environment of a process, as a map. */
export function environ(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** Wait (polling, at most `tries` times 50 ms) until `cond` holds; returns whether it did. */
export async function until(cond: () => boolean | Promise<boolean>, tries = 400): Promise<boolean> {
  for (let i = 0; i < tries; i++) { if (await cond()) return true; await new Promise((r) => setTimeout(r, 50)); }
  return false;
}

// Steps run in a fresh Node process inside a sandbox, each followed by where the process and its thread are
// (/proc/self/ns/net, /proc/thread-self/ns/net): the netlink engine's tests prove each call, failed or not, leaves
// both in the namespace they started in. STEPS_PRELUDE defines `libc`, `where()`, `out` and `step(name, f)` (f's
// result, or its error's message and errno) for a script's body; runSteps runs the script (and prints `out`), checks
// every step came back, and gives each step's result by name.
import { expect } from 'vitest';
import { ROOT, type Sandbox } from './sandbox.js';

export const STEPS_PRELUDE = `
import { readFileSync, readlinkSync } from 'node:fs';
const { loadLibc } = await import('${ROOT}dist/src/io/netlink/ffi.js');
const libc = loadLibc();
const where = () => [readlinkSync('/proc/self/ns/net'), readlinkSync('/proc/thread-self/ns/net')];
const out = { before: where(), steps: [] };
const step = (name, f) => {
  let result;
  try { result = f(); } catch (e) { result = { error: e.message, errno: e.errno }; }
  out.steps.push({ name, result, after: where() });
};
`;

/** Run STEPS_PRELUDE + body; each step's result by its name, and where the process and its thread were before. */
export async function runSteps(sb: Sandbox, body: string): Promise<{ by: Record<string, any>; before: string[] }> {
  const r = await sb.run([process.execPath, '--input-type=module', '-e', `${STEPS_PRELUDE}${body}\nconsole.log(JSON.stringify(out));\n`]);
  expect(r.exitCode, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { before: string[]; steps: { name: string; result: unknown; after: string[] }[] };
  expect(out.before[0]).toBe(out.before[1]);
  for (const s of out.steps) expect(s.after, s.name).toEqual(out.before);
  return { by: Object.fromEntries(out.steps.map((s) => [s.name, s.result])), before: out.before };
}

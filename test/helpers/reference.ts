// Shared setup of the reliability tests: the fixtures, and what a clean apply of a lab leaves in a fresh sandbox
// (the state every recovery must reach), computed once per test file.
import { expect } from 'vitest';
import { ROOT, Sandbox, type Run } from './sandbox.js';
import { kernelState, type KernelState } from './kernel-state.js';

export const fixture = (name: string) => `${ROOT}test/fixtures/reliability/${name}`;

const cache = new Map<string, Promise<KernelState>>();

/** The kernel state right after a clean `topo apply file` in a fresh sandbox. */
export function cleanApplyState(file: string, opts: { mac?: boolean } = {}): Promise<KernelState> {
  const key = `${file}|${opts.mac}`;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      const sb = await Sandbox.create();
      try {
        expectOk(await sb.topo(['apply', file]));
        return await kernelState(sb, opts);
      } finally { await sb.close(); }
    })());
  }
  return cache.get(key)!;
}

export function expectOk(r: Run): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
}

/** A Node stack trace line ("    at foo (file.js:1:2)"). */
export const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** The files in the sandbox's state dir (/run/topo). */
export async function stateFiles(sb: Sandbox): Promise<string[]> {
  // Everything under the state dir, relative; a lab's link group claim (groups/<number>) shown as groups/G.
  const r = await sb.run(['find', '/run/topo', '-mindepth', '1', '-printf', '%P\\n']);
  return r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^groups\/\d+$/, 'groups/G')).sort();
}

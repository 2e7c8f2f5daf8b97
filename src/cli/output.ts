// Where output goes: one JSON document with --json, text otherwise. Progress (listr2) only for a terminal.
import type { Renderer } from '../io/execute.js';

export interface OutputOpts { json?: boolean; quiet?: boolean }

export function rendererFor(o: OutputOpts): Renderer {
  if (o.json || o.quiet) return 'silent';
  return process.stdout.isTTY ? 'default' : 'simple';
}

/** Only the form asked for is rendered (a large lab's plan takes a while to render either way). */
export function emit(o: OutputOpts, text: () => string, json: () => unknown): void {
  process.stdout.write(o.json ? `${JSON.stringify(json(), null, 2)}\n` : text());
}

// Where output goes: the result (plan text, tables, one JSON document with --json) to standard output; progress
// (listr2, see io/progress.ts) and errors to standard error. Progress is redrawn in place when standard error
// is a terminal, plain lines otherwise.
import type { Renderer } from '../io/execute.js';
import { versioned } from '../api/documents.js';

export interface OutputOpts { json?: boolean; quiet?: boolean }

export function rendererFor(o: OutputOpts): Renderer {
  if (o.json || o.quiet) return 'silent';
  return process.stderr.isTTY ? 'default' : 'simple';
}

/**
 * Only the form asked for is rendered (a large lab's plan takes a while to render either way). Every JSON
 * document says its format's version and whether the command succeeded (`ok`, true unless the document says
 * otherwise; errors are documents with `ok: false`, see render/errors.ts).
 */
export function emit(o: OutputOpts, text: () => string, json: () => object): void {
  process.stdout.write(o.json ? `${JSON.stringify(jsonDocument(json()), null, 2)}\n` : text());
}

/** A document with its format's version and `ok` (the library's documents have them already: see api/documents.ts). */
export const jsonDocument = (doc: object): object => versioned(doc);

/**
 * A reader that goes away (`topo apply F | head -1`, `grep -m1`, a CI log step that stops reading) makes every
 * later write fail with EPIPE, which Node throws as an unhandled 'error' event: topo would die half way through
 * an apply, holding its lock, without rolling back. Output is a courtesy, the kernel work is not: write errors on
 * standard output and standard error are dropped, and the apply or destroy finishes (or rolls back) and exits
 * as it would have with the reader still there.
 */
export function ignoreOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

// Loading and validation of a topology file: bytes → YAML → schema → semantic checks, every problem with line:col.
// A valid file in plain YAML takes the fast path (js-yaml, no positions); anything else is parsed again to place problems.
import { statSync } from 'node:fs';
import { InvalidTopology, type Problem, type SourcePos } from '../errors.js';
import type { Topology } from '../model.js';
import { canonicalTopology } from './canonical.js';
import { decodeInput, MAX_BYTES, tooLarge } from './decode.js';
import type { Finding } from '../core/finding.js';
import { schemaFindings } from './schema.js';
import { hostFindings } from './semantic-hosts.js';
import { semanticFindings, type SemanticOptions } from './semantic.js';
import { fastParse } from './yaml-fast.js';
import { Locator, parseSource } from './yaml-source.js';
import { readCapped, readStdin, sourceName, STDIN } from './stdin.js';

export { MAX_BYTES } from './decode.js';
export interface ValidateOptions extends SemanticOptions {
  /** Warnings are errors: a file with any is refused. */
  strict?: boolean;
}
/** `topo` is set only when the file is valid; `warnings` are problems that don't make it invalid. */
export interface Validated { topo?: Topology; problems: Problem[]; warnings: Problem[] }

/** At most this many problems are reported (the rest are counted in a last one). */
export const MAX_PROBLEMS = 100;

/**
 * Validate the text of a topology file. Pure: no file system. `topo` is set only when there are no problems, with
 * every address and MAC in its canonical spelling (see canonical.ts).
 */
export function validateText(text: string | Uint8Array, file: string, opts: ValidateOptions = {}): Validated {
  void file; // problems carry positions only; the caller names the file when rendering them
  const dec = decodeInput(text);
  if (dec.problem) return { problems: [dec.problem], warnings: [] };
  const fast = fastParse(dec.text);
  if (fast !== undefined && passes(fast, opts)) return { topo: canonicalTopology(fast as unknown as Topology), problems: [], warnings: [] };
  // Anything else takes the slow path, which keeps the document for line:col (warnings need it too).
  const src = parseSource(dec.text);
  if (src.problems.length || src.data === undefined) return { problems: finish(src.problems), warnings: [] };
  let problems: Problem[] = [], warnings: Problem[] = [];
  try {
    const findings = checks(src.data, opts);
    if (findings.length) {
      const loc = new Locator(src.doc, src.lc);
      const all = findings.map((f) => toProblem(f, loc, opts.strict));
      problems = all.filter((p) => p.severity !== 'warning');
      warnings = all.filter((p) => p.severity === 'warning');
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return { problems: [{ code: 'too-deep', message: 'the file is too deeply nested to validate', pos: { line: 1, col: 1 }, path: '' }], warnings: [] };
  }
  // An invalid file reports its errors only: its warnings may be consequences of them.
  if (problems.length) return { problems: finish(problems), warnings: [] };
  return { topo: canonicalTopology(src.data as Topology), problems: [], warnings: finish(warnings) };
}

/** The schema's findings or, when there are none, the semantic ones (those of each host's part, with machines:). */
function checks(data: unknown, opts: ValidateOptions): Finding[] {
  const findings = schemaFindings(data);
  return findings.length ? findings : hostFindings(data as Topology, (t) => semanticFindings(t, opts), opts);
}

/** Whether the data of the fast path is a valid topology without warnings (a check that overflows the stack counts as a no). */
function passes(data: unknown, opts: ValidateOptions): boolean {
  try {
    return checks(data, opts).length === 0;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return false;
  }
}

/** Read and validate a topology file; throws InvalidTopology with every problem found. */
export async function loadTopology(file: string, opts: ValidateOptions = {}): Promise<Topology> {
  return (await loadLab(file, opts)).topo;
}

/** Read and validate a topology file: the topology and its warnings; throws InvalidTopology with every problem found. */
export async function loadLab(file: string, opts: ValidateOptions = {}): Promise<{ topo: Topology; warnings: Problem[] }> {
  const { topo, problems, warnings } = await readAndValidate(file, opts);
  if (!topo) throw new InvalidTopology(sourceName(file), problems);
  return { topo, warnings };
}

async function readAndValidate(file: string, opts: ValidateOptions): Promise<Validated> {
  let bytes: Buffer;
  if (file === STDIN) { // `-`: standard input (validate/stdin.ts)
    const read = await readStdin();
    return read === undefined ? { problems: [tooLarge()], warnings: [] } : validateText(read, sourceName(file), opts);
  }
  try {
    const st = statSync(file); // synchronous, as readCapped
    if (st.isDirectory()) return { problems: [{ code: 'not-a-file', message: `${file} is a directory, not a topology file` }], warnings: [] };
    if (st.isFile() && st.size > MAX_BYTES) return { problems: [tooLarge(st.size)], warnings: [] };
    const read = await readCapped(file);
    if (read === undefined) return { problems: [tooLarge()], warnings: [] };
    bytes = read;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `file not found: ${file}`
      : code === 'EACCES' || code === 'EPERM' ? `cannot read ${file}: permission denied`
      : `cannot read ${file}: ${(e as Error).message}`;
    return { problems: [{ code: code === 'ENOENT' ? 'file-not-found' : 'read-error', message }], warnings: [] };
  }
  return validateText(bytes, file, opts);
}

/** "lab.yaml:12:7: error: message" (or "warning: message") lines, plus "  hint: ...", sorted by position. */
export function formatProblems(file: string, problems: Problem[]): string {
  return sortProblems(problems).map((p) => {
    const where = p.pos ? `${file}:${p.pos.line}:${p.pos.col}` : file;
    return `${where}: ${p.severity ?? 'error'}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
  }).join('\n');
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.map((p, i) => ({ p, i })).sort((a, b) =>
    (a.p.pos?.line ?? 0) - (b.p.pos?.line ?? 0) || (a.p.pos?.col ?? 0) - (b.p.pos?.col ?? 0) || a.i - b.i).map((x) => x.p);
}

/** A finding placed in the file; under `strict` a warning is an error, marked like gcc's -Werror. */
function toProblem(f: Finding, loc: Locator, strict = false): Problem {
  const pos = loc.pos(f.path, f.at);
  const rel = f.related === undefined ? undefined : loc.pos(f.related, f.relatedAt);
  let message = !rel ? f.message
    : f.message.includes('{related}') ? f.message.replace('{related}', `${rel.line}:${rel.col}`) : `${f.message} (see line ${rel.line})`;
  const warning = f.severity === 'warning' && !strict;
  const source = f.quoteSource ? loc.source(f.path) : undefined;
  const hint = source !== undefined ? `quote it as written: ${JSON.stringify(source)}` : f.hint;
  if (f.severity === 'warning' && strict) message += ' [--strict]';
  return { code: f.code, message, ...(hint ? { hint } : {}), pos, path: f.path, ...(warning ? { severity: 'warning' as const } : {}) };
}

function finish(problems: Problem[]): Problem[] {
  const sorted = sortProblems(problems);
  if (sorted.length <= MAX_PROBLEMS) return sorted;
  const rest = sorted.length - MAX_PROBLEMS;
  return [...sorted.slice(0, MAX_PROBLEMS), { code: 'too-many-problems', message: `${rest} more problem(s) not shown`, pos: sorted[MAX_PROBLEMS].pos, path: '' }];
}

/** line:col of a JSON pointer (e.g. Resource.path) in the text of a topology file; undefined if it can't be parsed. */
export function positionOf(text: string | Uint8Array, path: string): SourcePos | undefined {
  const dec = decodeInput(text);
  if (dec.problem) return undefined;
  const src = parseSource(dec.text);
  return src.doc ? new Locator(src.doc, src.lc).pos(path) : undefined;
}

// YAML text to plain data, keeping the document so that any JSON pointer can be turned back into line:col.
// Guards: one document, a mapping at the top, bounded nesting, bounded alias expansion (alias bombs), no exotic tags.
import type { Document, LineCounter, Node, Pair, Scalar, YAMLError } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import type { Problem, SourcePos } from '../errors.js';
import { unescapeSeg } from '../core/finding.js';

type Yaml = typeof import('yaml');
const isAlias = ((n: unknown) => yamlLib().isAlias(n)) as Yaml['isAlias'];
const isMap = ((n: unknown) => yamlLib().isMap(n)) as Yaml['isMap'];
const isPair = ((n: unknown) => yamlLib().isPair(n)) as Yaml['isPair'];
const isScalar = ((n: unknown) => yamlLib().isScalar(n)) as Yaml['isScalar'];
const isSeq = ((n: unknown) => yamlLib().isSeq(n)) as Yaml['isSeq'];

export const LIMITS = { depth: 32, flowDepth: 200, indent: 400, aliases: 100, nodes: 500_000 };

export interface Source {
  lc: LineCounter;
  doc?: Document.Parsed;
  /** The document as plain data; set only when there were no problems. */
  data?: unknown;
  problems: Problem[];
}

const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export function parseSource(text: string): Source {
  const lc = new (yamlLib().LineCounter)();
  const src: Source = { lc, problems: [] };
  const at = (offset: number): SourcePos => (lc.lineStarts.length ? lc.linePos(offset) : { line: 1, col: 1 });
  const add = (code: string, message: string, offset: number, hint?: string) =>
    src.problems.push({ code, message, ...(hint ? { hint } : {}), pos: at(offset), path: '' });

  const deep = flowTooDeep(text);
  if (deep >= 0) {
    const message = '[{-'.includes(text[deep]) ? `nesting deeper than ${LIMITS.flowDepth} levels` : `nesting too deep: a line indented more than ${LIMITS.indent} columns`;
    src.problems.push({ code: 'too-deep', message, pos: posAt(text, deep), path: '',
      hint: 'a topology file needs only a few levels of nesting' });
    return src;
  }
  let docs: Document.Parsed[];
  try {
    const parsed = yamlLib().parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2' });
    docs = [...parsed];
    if ('empty' in parsed) for (const e of parsed.errors) addYamlError(src, e, text);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    src.problems.push({ code: 'too-deep', message: 'nesting too deep to parse', pos: { line: 1, col: 1 }, path: '' });
    return src;
  }
  if (docs.length > 1) {
    add('multi-document', `the file holds ${docs.length} YAML documents; a topology file is one document`, docs[1].range[0],
      'remove the "---" separator (or split the file)');
  }
  for (const d of docs) for (const e of [...d.errors, ...d.warnings]) addYamlError(src, e, text);
  if (src.problems.length) return src;
  const doc = docs[0];
  src.doc = doc;
  if (!doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    add('empty', 'the file is empty', 0, 'a topology needs at least "name: <lab name>"');
    return src;
  }
  if (!isMap(doc.contents)) {
    const what = isSeq(doc.contents) ? 'a list' : isAlias(doc.contents) ? 'an alias' : 'a single value';
    add('not-mapping', `the top level must be a mapping (name:, namespaces:, ...), not ${what}`, doc.contents.range?.[0] ?? 0);
    return src;
  }
  const conv = new Converter(doc, add);
  const data = conv.value(doc.contents, 0);
  if (!src.problems.length) src.data = data;
  return src;
}

function addYamlError(src: Source, e: YAMLError, text: string): void {
  const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
  const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (e.code === 'DUPLICATE_KEY') {
    const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(e.pos[0], e.pos[0] + 300))?.[1] ?? '';
    src.problems.push({ code: 'duplicate-key', message: `duplicate key ${key ? JSON.stringify(key.replace(/^["']|["']$/g, '')) : ''}`.trim(), pos, path: '', hint: 'each key may appear only once in a mapping' });
    return;
  }
  const hint = e.code === 'TAB_AS_INDENT' ? { hint: 'YAML indentation must use spaces, not tabs' } : {};
  src.problems.push({ code: 'yaml-syntax', message: `YAML ${e.name === 'YAMLWarning' ? 'warning' : 'error'}: ${first}`, ...hint, pos, path: '' });
}

/** line:col of an offset, counted directly (for problems found before the parser ran). */
export function posAt(text: string, offset: number): SourcePos {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}

/**
 * Offset where nesting first looks too deep (-1 if never), found before parsing so that the parser can't overflow:
 * open brackets over the whole text, runs of "- ", and the indentation (with "- ", "? ", ": ") of each line.
 */
export function flowTooDeep(text: string): number {
  let d = 0;
  let lineStart = 0;
  let inPrefix = true;
  let dashes = 0; // "- - - x": compact nested sequences
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2d && text.charCodeAt(i + 1) === 0x20) { if (++dashes > LIMITS.flowDepth) return i; } else if (c !== 0x20) dashes = 0;
    if (c === 0x0a) { lineStart = i + 1; inPrefix = true; continue; }
    if (inPrefix) {
      if (c === 0x20 || c === 0x09 || c === 0x2d || c === 0x3f || c === 0x3a) {
        if (i - lineStart >= LIMITS.indent) return i;
      } else inPrefix = false;
    }
    if (c === 0x5b || c === 0x7b) { if (++d > LIMITS.flowDepth) return i; } else if ((c === 0x5d || c === 0x7d) && d > 0) d--;
  }
  return -1;
}

/** The key of a mapping entry as text: string keys as they are, other scalars as written ("010" stays "010"). */
export function keyText(k: unknown): string | undefined {
  if (!isScalar(k)) return undefined;
  return typeof k.value === 'string' ? k.value : (k as Scalar).source ?? String(k.value);
}

class Converter {
  private aliases = 0;
  private nodes = 0;
  private stack = new Set<unknown>();
  private failed = false;
  constructor(private doc: Document.Parsed, private add: (code: string, msg: string, offset: number, hint?: string) => void) {}

  private fail(code: string, msg: string, node: unknown, hint?: string): undefined {
    if (this.failed) return undefined;
    this.add(code, msg, (node as Node | undefined)?.range?.[0] ?? 0, hint);
    this.failed = !['bad-key', 'duplicate-key', 'bad-value', 'bad-alias'].includes(code);
    return undefined;
  }

  value(node: unknown, depth: number): unknown {
    if (this.failed || node === null || node === undefined) return null;
    if (depth > LIMITS.depth) return this.fail('too-deep', `nesting deeper than ${LIMITS.depth} levels`, node, 'a topology file needs only a few levels of nesting');
    if (++this.nodes > LIMITS.nodes) return this.fail('too-large', `more than ${LIMITS.nodes} values`, node);
    if (isAlias(node)) {
      if (++this.aliases > LIMITS.aliases) {
        return this.fail('alias-limit', `more than ${LIMITS.aliases} alias expansions (*${node.source})`, node,
          'anchors and aliases are capped so that an alias bomb ("billion laughs") fails fast');
      }
      const target = node.resolve(this.doc);
      if (!target) return this.fail('bad-alias', `alias *${node.source} refers to no anchor`, node);
      if (this.stack.has(target)) return this.fail('alias-cycle', `alias *${node.source} refers to a node that contains it`, node);
      return this.value(target, depth + 1);
    }
    if (isScalar(node)) {
      if (node.tag && !PLAIN_TAGS.has(node.tag)) return this.fail('bad-value', `YAML tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported here`, node);
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return this.fail('bad-value', `unsupported YAML value (${typeof v})`, node);
    }
    this.stack.add(node);
    try {
      if (isSeq(node)) return node.items.map((it) => this.value(it, depth + 1));
      if (isMap(node)) return this.map(node.items, depth);
      if (isPair(node)) return this.map([node], depth);
      return this.fail('bad-value', 'unsupported YAML node', node);
    } finally {
      this.stack.delete(node);
    }
  }

  private map(items: Pair[], depth: number): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    const seen = new Set<string>();
    for (const p of items) {
      const kNode = isAlias(p.key) ? p.key.resolve(this.doc) : p.key;
      const k = keyText(kNode);
      if (k === undefined) { this.fail('bad-key', 'keys must be plain names, not lists or mappings', p.key ?? p.value); continue; }
      if (seen.has(k)) { this.fail('duplicate-key', `duplicate key ${JSON.stringify(k)}`, p.key); continue; }
      seen.add(k);
      entries.push([k, this.value(p.value, depth + 1)]);
    }
    return Object.fromEntries(entries); // defines "__proto__" as a plain key instead of setting the prototype
  }
}

/** `key:` with nothing after it: point at the key rather than at the end of the line. */
const isEmpty = (v: unknown): boolean => !v || (isScalar(v) && v.value === null && !(v as Scalar).source);

/** Turns JSON pointers into line:col; indexes each mapping's keys on first use so that many lookups stay cheap. */
export class Locator {
  private keys = new Map<unknown, Map<string, Pair>>();
  constructor(private doc: Document.Parsed | undefined, private lc: LineCounter) {}

  private pairOf(map: { items: Pair[] }, key: string): Pair | undefined {
    let index = this.keys.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = keyText(isAlias(p.key) ? p.key.resolve(this.doc!) : p.key);
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      this.keys.set(map, index);
    }
    return index.get(key);
  }

  /** The text of the scalar at `path` as written in the file (0755, not 755); undefined when there is none. */
  source(path: string): string | undefined {
    let node = this.nodeAt(path, 'value');
    if (isAlias(node)) node = node.resolve(this.doc!);
    const src = (node as { source?: unknown } | undefined)?.source;
    return typeof src === 'string' ? src : undefined;
  }

  /** line:col of the node at `path` (or of its key); the nearest existing ancestor when the path runs out. */
  pos(path: string, at: 'key' | 'value' = 'value'): SourcePos {
    const offset = (this.nodeAt(path, at) as Node | undefined)?.range?.[0] ?? 0;
    return this.lc.lineStarts.length ? this.lc.linePos(offset) : { line: 1, col: 1 };
  }

  private nodeAt(path: string, at: 'key' | 'value'): unknown {
    let node: unknown = this.doc?.contents;
    const segs = path === '' ? [] : path.slice(1).split('/').map(unescapeSeg);
    for (let i = 0; i < segs.length && node; i++) {
      if (isAlias(node)) node = node.resolve(this.doc!);
      let next: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = this.pairOf(node, segs[i]);
        if (pair) { keyNode = pair.key; next = isEmpty(pair.value) ? pair.key : pair.value; }
      } else if (isSeq(node)) next = node.items[Number(segs[i])];
      if (!next) break;
      node = i === segs.length - 1 && at === 'key' && keyNode ? keyNode : next;
    }
    return node;
  }
}

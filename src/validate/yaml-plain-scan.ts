// A conservative scan of a YAML text for the plain subset that the fast path (yaml-fast.ts) may read with js-yaml:
// false on anything the two parsers might read differently or that parseSource guards. A false alarm only costs
// speed (the text goes to parseSource), so the rules are blunt: they were widened until differential fuzzing of the
// two parsers (some millions of generated and mutated texts) found no text that passes here and reads differently;
// test/validate/yaml-fast.test.ts keeps a smaller fuzz and the cases it found.

const [LF, SPACE, HASH, COLON, COMMA, DASH, DQUOTE, SQUOTE, BACKSLASH] = [0x0a, 0x20, 0x23, 0x3a, 0x2c, 0x2d, 0x22, 0x27, 0x5c];
const [OPEN_SEQ, CLOSE_SEQ, OPEN_MAP, CLOSE_MAP] = [0x5b, 0x5d, 0x7b, 0x7d];

/** Longest line accepted: yaml refuses an implicit key that runs over 1024 characters. */
const MAX_LINE = 1000;

/** Tabs, CR, a byte-order mark, merge keys ("<<"), document markers and directives at the start of a line. */
const REFUSED = /[\t\r\uFEFF]|<<|^(?:---|\.\.\.|%)/m;

const CLASS = new Uint8Array(128);
const NODE_START_AFTER = 1; // a node (or an anchor, tag...) may start after these; the start of a line is one too
const QUOTE_START_AFTER = 2; // a quoted scalar starts at a quote after these (elsewhere a quote is refused)
const INDICATOR = 4; // anchor, alias, tag, directive, reserved, block scalar, explicit key
for (const c of '\n [{,:') CLASS[c.charCodeAt(0)] |= NODE_START_AFTER;
for (const c of '\n [{,') CLASS[c.charCodeAt(0)] |= QUOTE_START_AFTER;
for (const c of '&*!%@`|>?') CLASS[c.charCodeAt(0)] |= INDICATOR;
const is = (code: number, k: number): boolean => code < 128 && (CLASS[code] & k) !== 0;

/** Whether a character (NaN: the end of the text) ends a token. */
const endsToken = (c: number): boolean => Number.isNaN(c) || c === SPACE || c === LF || c === COMMA || c === CLOSE_SEQ || c === CLOSE_MAP;

/**
 * True when the text keeps to the plain subset: no anchors, aliases, tags, directives, document markers, explicit
 * keys, block scalars, merge keys, values without a key, collections as keys, compact nested sequences ("- - x"),
 * empty sequence entries ("-" alone on a line), multi-line quoted scalars, quotes inside plain scalars, comments
 * glued to a token or to their text ("#x": yaml reads some of those differently), comment lines inside flow
 * collections, "]" or "}" outside a flow collection, tabs, CR, a byte-order mark or overlong lines.
 */
export function plainSubset(text: string): boolean {
  if (REFUSED.test(text) || longestLine(text) > MAX_LINE) return false;
  const flows: number[] = []; // the open "[" and "{"
  let prev = LF; // the character before this one; the start of the text counts as a line break
  let last = LF; // the last character outside spaces, line breaks and comments
  let dashes = 0; // "- " indicators on this line so far (-1: past the line's indicators)
  let lineHasToken = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === SPACE) {
      if (c === LF) { dashes = 0; lineHasToken = false; }
      prev = c;
      continue;
    }
    if (c === HASH) {
      if (prev !== SPACE && prev !== LF) return false; // glued to a token (or inside a plain scalar)
      if (flows.length && !lineHasToken) return false; // a comment line inside a flow collection
      const after = text.charCodeAt(i + 1);
      if (!(Number.isNaN(after) || after === SPACE || after === LF)) return false; // "#x"
      const eol = text.indexOf('\n', i);
      if (eol < 0) break;
      i = eol - 1; // the line break comes next
      continue;
    }
    lineHasToken = true;
    const next = text.charCodeAt(i + 1);
    if (c === DASH && dashes >= 0 && endsToken(next)) {
      if (++dashes > 1 || blankUpToLineEnd(text, i + 1)) return false; // compact nested sequence, empty entry
    } else dashes = -1;
    const start = is(prev, NODE_START_AFTER);
    if (start && is(c, INDICATOR)) return false;
    if (start && c === COLON && prev !== COLON && endsToken(next)) return false; // a value without a key
    if (c === DQUOTE || c === SQUOTE) {
      if (!is(prev, QUOTE_START_AFTER)) return false;
      i = closingQuote(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_SEQ || c === OPEN_MAP) {
      if (flows.length || start) {
        if (flows[flows.length - 1] === OPEN_MAP && (last === OPEN_MAP || last === COMMA)) return false; // a key
        flows.push(c);
      }
    } else if (c === CLOSE_SEQ || c === CLOSE_MAP) {
      if (flows.pop() !== (c === CLOSE_SEQ ? OPEN_SEQ : OPEN_MAP)) return false;
      if (colonFollows(text, i + 1)) return false; // a collection as a key
    }
    prev = last = c;
  }
  return flows.length === 0;
}

function longestLine(text: string): number {
  let longest = 0;
  for (let from = 0; from <= text.length;) {
    const eol = text.indexOf('\n', from);
    const end = eol < 0 ? text.length : eol;
    longest = Math.max(longest, end - from);
    from = end + 1;
  }
  return longest;
}

/** Whether nothing but spaces and perhaps a comment follows `from` on its line. */
function blankUpToLineEnd(text: string, from: number): boolean {
  let i = from;
  while (text.charCodeAt(i) === SPACE) i++;
  const c = text.charCodeAt(i);
  return Number.isNaN(c) || c === LF || c === HASH;
}

/** Offset of the quote that closes the quoted scalar opened at `open` (-1 if none on the same line). */
function closingQuote(text: string, open: number): number {
  const q = text.charCodeAt(open);
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) return -1; // the parsers fold multi-line quoted scalars differently
    if (q === DQUOTE && c === BACKSLASH) i++;
    else if (c === q) {
      if (q === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) i++;
      else return i;
    }
  }
  return -1;
}

/** Whether the next token after `from` (across spaces, line breaks and comments) is ":". */
function colonFollows(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === HASH) { while (i < text.length && text.charCodeAt(i) !== LF) i++; continue; }
    if (c !== SPACE && c !== LF) return c === COLON;
  }
  return false;
}

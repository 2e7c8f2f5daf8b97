// Bytes to text: size cap, strict UTF-8 (with the line:col of the first bad byte), no control characters.
import type { Problem } from '../errors.js';

/** Largest topology file accepted (bytes). */
export const MAX_BYTES = 5 * 1024 * 1024;

export type Decoded = { text: string; problem?: undefined } | { text?: undefined; problem: Problem };

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The file is over MAX_BYTES (`bytes`: its size, when known). */
export function tooLarge(bytes?: number): Problem {
  return {
    code: 'too-large', path: '', pos: { line: 1, col: 1 },
    message: `the file is ${bytes === undefined ? 'larger than the limit' : mb(bytes)}; topology files are limited to ${mb(MAX_BYTES)}`,
    hint: 'a lab this large is almost certainly a mistake (or a generated file gone wrong)',
  };
}

export function decodeInput(input: string | Uint8Array): Decoded {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > MAX_BYTES || Buffer.byteLength(input) > MAX_BYTES) return { problem: tooLarge(Buffer.byteLength(input)) };
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.length > MAX_BYTES) return { problem: tooLarge(input.length) };
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input); // also drops a leading BOM
    } catch {
      return { problem: notUtf8(input) };
    }
  }
  const ctl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (ctl) {
    const before = text.slice(0, ctl.index);
    const line = before.split('\n').length;
    const col = ctl.index - before.lastIndexOf('\n');
    const code = ctl[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    return {
      problem: {
        code: 'control-character', path: '', pos: { line, col },
        message: `control character U+${code} is not allowed in a topology file`,
        hint: 'is this a binary file? Remove the character (YAML allows only tab, CR and LF)',
      },
    };
  }
  return { text };
}

function notUtf8(bytes: Uint8Array): Problem {
  const bad = firstInvalidUtf8(bytes);
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) { line++; lineStart = i + 1; }
  const col = new TextDecoder().decode(bytes.subarray(lineStart, bad)).length + 1;
  const hex = bytes[bad]?.toString(16).padStart(2, '0') ?? '??';
  return {
    code: 'not-utf8', path: '', pos: { line, col },
    message: `the file is not valid UTF-8: byte 0x${hex} at line ${line}, column ${col}`,
    hint: 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)',
  };
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (bytes.length if none). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n: number, min: number, cp: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return i;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

// What the checks report before positions are known: a JSON pointer into the document instead of line:col.

export interface Finding {
  code: string;
  message: string;
  hint?: string;
  /** JSON pointer of the offending node. */
  path: string;
  /** Point at the key of `path` (unknown keys, bad names used as keys) rather than at its value. */
  at?: 'key' | 'value';
  /**
   * Another place involved (the first declaration of a duplicate); rendered as "(see line N)" after the message, or
   * as "line:column" where the message says {related}.
   */
  related?: string;
  /** Point `related` at its key rather than its value. */
  relatedAt?: 'key' | 'value';
  /** The hint is "quote it": it quotes the value's text as written in the file (known once positions are). */
  quoteSource?: boolean;
  /** 'warning': the file can be applied, but probably doesn't do what was meant (an error under --strict). */
  severity?: 'warning';
}

/** JSON pointer from segments (RFC 6901 escaping). */
export const pointer = (...segs: (string | number)[]): string =>
  segs.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');

export const unescapeSeg = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** A value shown in a message: quoted, control characters escaped, long values cut. */
export function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

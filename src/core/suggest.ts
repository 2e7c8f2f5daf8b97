// "Did you mean" suggestions: the closest candidate within edit distance 2.

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
export function distance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate within distance 2 (case-insensitive matches first), or undefined. */
export function closest(word: string, candidates: Iterable<string>, limit = 5000): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  let n = 0;
  for (const c of candidates) {
    if (++n > limit) break;
    if (c === word) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0.5 : distance(word, c, 2);
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

/** " (did you mean "x"?)" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean ${JSON.stringify(c)}?)`;
}

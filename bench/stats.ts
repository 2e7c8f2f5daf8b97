// Small statistics for the benchmark: medians and ratios.
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);

// tc's units, for the shape kind: how the file writes rates, sizes, times and percentages, what tc makes of them
// (iproute2 6.1: lib/utils_math.c get_rate64 and get_size, lib/utils.c get_time, tc/q_netem.c get_percent), and the
// one spelling topo writes them back in on the command lines it plans. The file's value becomes the number the
// kernel keeps, truncated where tc truncates, so a re-apply compares equal numbers whatever the spelling.

/** A rate in the file: a number and a unit of bits per second, as tc reads it (case does not matter). */
const RATE_UNITS: Record<string, number> = {
  bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, kibit: 1024, mibit: 1024 ** 2, gibit: 1024 ** 3, tibit: 1024 ** 4,
};
/** tc's units of bytes per second: refused (tc reads "mbps" as megabytes per second, rarely what is meant). */
const BYTE_RATE = /^(bps|kbps|mbps|gbps|tbps|kibps|mibps|gibps|tibps)$/i;

/** Bytes per second (tc divides bits by 8 and truncates), or why the text is no rate. */
export function parseRate(text: string): number | string {
  const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not a rate: a number and a unit, e.g. 10mbit, 500kbit, 1gbit`;
  const unit = RATE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) {
    return BYTE_RATE.test(m[2])
      ? `${JSON.stringify(text)}: tc reads ${m[2]} as bytes per second; write the rate in bits per second (e.g. ${Number(m[1]) * 8}${m[2].toLowerCase().replace(/bps$/, 'bit')})`
      : `${JSON.stringify(text)}: unknown unit ${JSON.stringify(m[2])}; one of ${Object.keys(RATE_UNITS).join(', ')}`;
  }
  const bytes = Math.floor((Number(m[1]) * unit) / 8);
  if (bytes < 1) return `${JSON.stringify(text)} is less than 1 byte per second`;
  return bytes;
}

/** How topo writes a rate (bytes per second) on a command line and in messages: the largest unit it is a whole number of. */
export function rateText(bytes: number): string {
  const bits = bytes * 8;
  for (const [name, u] of [['tbit', 1e12], ['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (bits % u === 0) return `${bits / u}${name}`;
  return `${bits}bit`;
}

/** tc's size units (1024-based; kbit and friends in bits); a bare number is bytes. */
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, kbit: 128, mbit: 131072, gbit: 134217728 };

/** Bytes (truncated, as tc does), or why the value is no size. */
export function parseSize(v: string | number): number | string {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : `${v} is not a size: a whole number of bytes`;
  const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(v);
  const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) return `${JSON.stringify(v)} is not a size: bytes, or a number and one of ${Object.keys(SIZE_UNITS).join(', ')} (e.g. 32kb = 32768 bytes)`;
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1 || bytes > 0xffffffff) return `${JSON.stringify(v)}: a size from 1 byte to 4 GiB`;
  return bytes;
}

const TIME_UNITS: Record<string, number> = { s: 1e6, ms: 1e3, us: 1 };

/** Microseconds (truncated, as tc does), or why the text is no time. */
export function parseTime(text: string): number | string {
  const m = /^([0-9]+(?:\.[0-9]+)?)(s|ms|us)$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not a time: a number and s, ms or us (e.g. 20ms)`;
  const us = Math.floor(Number(m[1]) * TIME_UNITS[m[2]]);
  if (us > 0xffffffff) return `${JSON.stringify(text)}: at most ${Math.floor(0xffffffff / 1e6)}s`;
  return us;
}

/** How topo writes a time (microseconds): in s or ms when it is a whole number of them. */
export function timeText(us: number): string {
  if (us % 1e6 === 0 && us) return `${us / 1e6}s`;
  if (us % 1e3 === 0 && us) return `${us / 1e3}ms`;
  return `${us}us`;
}

/** A fraction from 0 to 1, from a percentage ("1%", "0.5%"), or why the text is none. */
export function parsePercent(text: string): number | string {
  const m = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not a percentage: a number and %, e.g. 1% or 0.5%`;
  const p = Number(m[1]);
  if (p > 100) return `${JSON.stringify(text)}: at most 100%`;
  return p / 100;
}

/** How topo writes a fraction as a percentage. */
export const percentText = (f: number): string => `${Number((f * 100).toPrecision(8))}%`;

/**
 * Equal as tc prints them back: netem's times (seconds) and percentages (fractions) are printed with %g, six
 * significant digits, after the kernel kept times in ticks and percentages in 32-bit fractions.
 */
export const closeTo = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;

/** A short, stable hash of a text (FNV-1a, 32 bits), in 8 hex digits. */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

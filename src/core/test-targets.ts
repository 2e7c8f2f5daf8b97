// What a test of the file's `tests:` names, parsed: a duration (`until: 30s`), a TCP target (`tcp: web:80`,
// `tcp: "[fd00::2]:80"`), an HTTP or HTTPS URL. Pure: validation reports what doesn't parse, `topo test` uses what does.
import type { TestSpec } from '../model.js';

/** The kinds of test, by the key that names what it does. */
export const TEST_TYPES = ['ping', 'tcp', 'http', 'command'] as const;
export type TestType = (typeof TEST_TYPES)[number];

/** The test's type: the first of its keys that says what it does (validation refuses more or less than one). */
export const testType = (t: TestSpec): TestType | undefined => TEST_TYPES.find((k) => t[k] !== undefined);

/** What `expect:` may say, per type (ping's default first). http and command tests expect `status:` / `exit:`. */
export const EXPECTS: Record<TestType, readonly string[]> = {
  ping: ['reachable', 'unreachable'],
  // closed: anything but open (refused, unreachable, timeout): what a firewall that drops or rejects leaves.
  tcp: ['open', 'refused', 'unreachable', 'timeout', 'closed'],
  http: [],
  command: [],
};

/** The longest `until:` (a test that waits longer is better split, or a lab that is not ready). */
export const MAX_UNTIL_MS = 600_000;
/** The longest `timeout:` of one try. */
export const MAX_TIMEOUT_MS = 600_000;

/** Milliseconds of a duration: a number of seconds, or "500ms", "30s", "2m". undefined: not a duration. */
export function durationMs(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'] ?? 1000));
}

/** "host:port" or "[v6]:port" → host (brackets removed) and port; a string saying why not. */
export function parseHostPort(v: string): { host: string; port: number } | string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:[\]]+):(\d+)$/.exec(v);
  if (!m) return v.split(':').length > 2 && !v.startsWith('[') ? 'an IPv6 address goes in brackets: "[fd00::2]:80"' : 'expected HOST:PORT, e.g. web:80 or "[fd00::2]:80"';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `port ${m[2]} is not 1..65535`;
  return { host: m[1], port };
}

/** An http:// or https:// URL and its host as written (brackets removed); a string saying why it is not one. */
export function parseHttpUrl(v: string): { url: URL; host: string } | string {
  let url: URL;
  try { url = new URL(v); } catch { return 'not a URL, e.g. http://web:8000/ or https://web:8443/'; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol.replace(/:$/, '')}: URLs are not tested, only http: and https:`;
  // As written (URL lower-cases a host name; a namespace name keeps its case).
  const host = /^https?:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(v)?.[1] ?? url.hostname;
  return { url, host: host.replace(/^\[(.*)\]$/, '$1') };
}

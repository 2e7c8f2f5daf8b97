// The lab's declared tests as probes: one ping per (test, target address); one tcp, http or command probe per test.
// Pure: a ping target that is a namespace name expands to each address the file declares in that namespace; a tcp
// or http target that is one stands for its first address (an https one keeps the name for the certificate's
// check); any other name is left to the namespace's resolver.
import { resolveLab } from '../core/lab-model.js';
import { EXPECTS, durationMs, parseHostPort, parseHttpUrl, testType, type TestType } from '../core/test-targets.js';
import { KINDS } from '../kinds/index.js';
import { HOST, type TestSpec, type Topology } from '../model.js';

export type Expect = 'reachable' | 'unreachable';

export interface Probe {
  /** Index of the test in the file's `tests:` list. */
  test: number;
  type: TestType;
  from: string;
  /** The target as written: an address or a namespace name (ping), HOST:PORT, a URL, the command. */
  target: string;
  /** What is connected to: the address pinged, "address:port", the URL with a namespace's address; the command. */
  address: string;
  /** ping: reachable/unreachable; tcp: open/refused/unreachable/timeout/closed; http: the status; command: the exit code. */
  expect: string;
  /** tcp: where to connect. */
  host?: string; port?: number;
  /** command: the argv (a line runs with `sh -c`); its output must match `output`. */
  argv?: string[]; output?: string;
  /** Keep trying until it holds or `untilMs` passed, every `intervalMs`; 0: one try. */
  untilMs: number; intervalMs: number;
  /** The test's own `timeout:` of one try; undefined: the run's (commands: COMMAND_TIMEOUT_S). */
  timeoutMs?: number;
  /** https: accept any certificate. */
  insecure?: boolean;
  /** https to a namespace by name (connected to by address): the name, sent as SNI and checked against the certificate. */
  servername?: string;
}

/** Declared addresses (without prefix length) of each namespace, on interfaces of every kind, in file order. */
export function addressesByNamespace(topo: Topology): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of resolveLab(topo, KINDS).ifaces) {
    const list = out.get(f.ns) ?? out.set(f.ns, []).get(f.ns)!;
    for (const a of f.addresses) if (!list.includes(a.text.split('/')[0])) list.push(a.text.split('/')[0]);
  }
  return out;
}

export const DEFAULT_INTERVAL_MS = 1000;

export function probesOf(topo: Topology): Probe[] {
  const addrs = addressesByNamespace(topo);
  const declared = new Set([HOST, ...Object.keys(topo.namespaces ?? {})]);
  /** A namespace's first address, or the host as written (an address, or a name resolved where the test runs). */
  const hostOf = (h: string) => (declared.has(h) ? addrs.get(h)?.[0] ?? h : h);
  return (topo.tests ?? []).flatMap((t, test): Probe[] => {
    const type = testType(t)!;
    const timeoutMs = durationMs(t.timeout);
    const base = { test, type, from: t.from, untilMs: durationMs(t.until) ?? 0, intervalMs: durationMs(t.interval) ?? DEFAULT_INTERVAL_MS,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    switch (type) {
      case 'ping': {
        const targets = declared.has(t.ping!) ? addrs.get(t.ping!) ?? [] : [t.ping!];
        return targets.map((address) => ({ ...base, target: t.ping!, address, expect: t.expect ?? EXPECTS.ping[0] }));
      }
      case 'tcp': {
        const hp = parseHostPort(t.tcp!);
        if (typeof hp === 'string') return []; // validation refused it
        const host = hostOf(hp.host);
        return [{ ...base, target: t.tcp!, address: `${host.includes(':') ? `[${host}]` : host}:${hp.port}`, expect: t.expect ?? EXPECTS.tcp[0], host, port: hp.port }];
      }
      case 'http': {
        const u = parseHttpUrl(t.http!);
        if (typeof u === 'string') return [];
        const host = hostOf(u.host);
        if (host !== u.host) u.url.hostname = host.includes(':') ? `[${host}]` : host;
        const tls = u.url.protocol === 'https:';
        return [{ ...base, target: t.http!, address: u.url.href, expect: String(t.status ?? 200),
          ...(tls && t.insecure ? { insecure: true } : {}), ...(tls && host !== u.host ? { servername: u.host } : {}) }];
      }
      case 'command': {
        const argv = commandArgv(t);
        return [{ ...base, target: commandText(t), address: commandText(t), expect: String(t.exit ?? 0), argv, ...(t.output !== undefined ? { output: t.output } : {}) }];
      }
    }
  });
}

/** A command test's argv: as written, or its line run by `sh -c`. */
export const commandArgv = (t: TestSpec): string[] => (Array.isArray(t.command) ? t.command : ['sh', '-c', t.command!]);
const commandText = (t: TestSpec): string => (Array.isArray(t.command) ? t.command.join(' ') : t.command!);

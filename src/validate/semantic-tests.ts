// Checks of the tests beyond ping (tcp, http, command) and of what every test shares: one thing to do, keys that
// belong to its type (insecure: https URLs only), `expect` values of its type, durations (until, interval,
// timeout). Ping targets are checked in semantic-net.ts. Pure.
import { pointer, type Finding } from '../core/finding.js';
import { parseAddr } from '../core/ip.js';
import { nsText } from '../core/lab-model.js';
import { didYouMean } from '../core/suggest.js';
import { EXPECTS, MAX_TIMEOUT_MS, MAX_UNTIL_MS, TEST_TYPES, durationMs, parseHostPort, parseHttpUrl, type TestType } from '../core/test-targets.js';
import { HOST, type TestSpec, type Topology } from '../model.js';
import { ifacesOf, type LabIndex } from './lab-index.js';

/** Keys that belong to one type of test only. */
const OWN: Record<string, TestType> = { external: 'ping', status: 'http', insecure: 'http', exit: 'command', output: 'command' };

export function testFindings(t: Topology, ix: LabIndex): Finding[] {
  const out: Finding[] = [];
  (t.tests ?? []).forEach((x, i) => {
    const at = (...k: (string | number)[]) => pointer('tests', i, ...k);
    const types = TEST_TYPES.filter((k) => x[k] !== undefined);
    if (types.length !== 1) {
      out.push({ code: 'test-type', path: types.length ? at(types[1]) : at(), at: types.length ? 'key' : 'value',
        message: types.length ? `a test does one thing: this one has ${types.join(' and ')}` : 'the test says nothing to do',
        hint: 'give it one of ping, tcp, http or command' });
      return;
    }
    const type = types[0];
    for (const [k, owner] of Object.entries(OWN)) {
      if (x[k as keyof TestSpec] !== undefined && owner !== type) out.push({ code: 'test-key', path: at(k), at: 'key', message: `${k} is for ${owner} tests, not ${type}` });
    }
    if (x.expect !== undefined && !EXPECTS[type].includes(x.expect)) {
      out.push({ code: 'test-expect', path: at('expect'),
        message: `${type === 'http' ? 'an' : 'a'} ${type} test can't expect ${JSON.stringify(x.expect)}`,
        hint: EXPECTS[type].length ? `one of ${EXPECTS[type].join(', ')}` : type === 'http' ? 'an http test expects a status: (default 200)' : 'a command test expects an exit: code (default 0) and an output: pattern' });
    }
    for (const k of ['until', 'interval', 'timeout'] as const) {
      if (x[k] === undefined) continue;
      const ms = durationMs(x[k]);
      if (ms === undefined) out.push({ code: 'bad-duration', path: at(k), message: `${k}: ${JSON.stringify(x[k])} is not a duration`, hint: 'seconds, or e.g. 500ms, 30s, 2m' });
      else if (k === 'until' && ms > MAX_UNTIL_MS) out.push({ code: 'bad-duration', path: at(k), message: `until: ${x[k]} is more than ${MAX_UNTIL_MS / 60_000} minutes` });
      else if (k === 'timeout' && ms > MAX_TIMEOUT_MS) out.push({ code: 'bad-duration', path: at(k), message: `timeout: ${x[k]} is more than ${MAX_TIMEOUT_MS / 60_000} minutes` });
      else if (k === 'timeout' && ms < 10) out.push({ code: 'bad-duration', path: at(k), message: `timeout: ${x[k]} is less than 10 ms: no try could finish`, hint: 'e.g. 500ms, 5s' });
      else if (k === 'interval' && ms < 10) out.push({ code: 'bad-duration', path: at(k), message: `interval: ${x[k]} is less than 10 ms` });
    }
    if (x.interval !== undefined && x.until === undefined) {
      out.push({ code: 'test-key', severity: 'warning', path: at('interval'), at: 'key', message: 'interval without until: the test is tried once' });
    }
    if (type === 'tcp') {
      const hp = parseHostPort(x.tcp!);
      if (typeof hp === 'string') out.push({ code: 'bad-target', path: at('tcp'), message: `tcp: ${JSON.stringify(x.tcp)}: ${hp}` });
      else out.push(...hostFindings(ix, x, hp.host, at('tcp'), 'tcp'));
    }
    if (type === 'http') {
      const u = parseHttpUrl(x.http!);
      if (typeof u === 'string') out.push({ code: 'bad-target', path: at('http'), message: `http: ${JSON.stringify(x.http)}: ${u}` });
      else {
        out.push(...hostFindings(ix, x, u.host, at('http'), 'http'));
        if (x.insecure !== undefined && u.url.protocol !== 'https:') out.push({ code: 'test-key', path: at('insecure'), at: 'key', message: 'insecure is for https: URLs (it accepts any certificate): this one is http:' });
      }
    }
    if (type === 'command') {
      const c = x.command!;
      if (Array.isArray(c) ? !c.length || !c[0] : !c.trim()) out.push({ code: 'empty-command', path: at('command'), message: 'the command is empty' });
      if (x.output !== undefined) {
        try { new RegExp(x.output, 'm'); } catch (e) {
          out.push({ code: 'bad-pattern', path: at('output'), message: `output: ${JSON.stringify(x.output)} is not a regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` });
        }
      }
    }
  });
  return out;
}

/** A target host: a lab namespace (with an address), an address, or a name the namespace resolves. */
function hostFindings(ix: LabIndex, x: TestSpec, host: string, path: string, what: string): Finding[] {
  if (ix.namespaces.has(host)) {
    if (host === x.from) return [{ code: 'test-local', severity: 'warning', path, message: `the ${what} test connects to its own namespace ${JSON.stringify(host)}` }];
    if (host !== HOST && !ifacesOf(ix, host).some((f) => f.addresses.length)) {
      return [{ code: 'no-address', path, message: `${nsText(host)} has no address to connect to`, hint: 'give one of its interfaces an address, or name an address' }];
    }
    return [];
  }
  if (parseAddr(host) || !/^[0-9.:]+$/.test(host)) {
    // A name that is no namespace is resolved in `from` (its hosts file, its DNS): said, in case it is a typo.
    const near = didYouMean(host, ix.namespaces);
    return near && !parseAddr(host) ? [{ code: 'unknown-host', severity: 'warning', path, message: `${JSON.stringify(host)} is no namespace of the lab: it is resolved in ${nsText(x.from)}${near}` }] : [];
  }
  return [{ code: 'bad-target', path, message: `${JSON.stringify(host)} is not an IPv4 or IPv6 address` }];
}

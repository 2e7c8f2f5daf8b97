// The tests of the file as probes (ops/connectivity.ts probesOf), pure: a tcp or http target that is a namespace
// stands for its first address (IPv6 in brackets), any other name is left to the namespace's resolver; a command's
// line runs with sh -c; until/interval in milliseconds. What counts as holding (ops/test-run.ts holds), the parsers
// of core/test-targets.ts, and the client's argv (this Node, in the namespace); https and timeout: in probes, in the
// command's argv (under coreutils' timeout) and validated with line:col.
import { describe, expect, it } from 'vitest';
import { durationMs, parseHostPort, parseHttpUrl } from '../../src/core/test-targets.js';
import { probesOf } from '../../src/ops/connectivity.js';
import { clientArgv, commandRunArgv, holds } from '../../src/ops/test-run.js';
import { validateText } from '../../src/validate/index.js';
import type { TestSpec, Topology } from '../../src/model.js';

const topo = (...tests: TestSpec[]): Topology => ({
  name: 'lab', namespaces: { a: {}, b: {}, v6: {} },
  veths: [{ ends: [{ name: 'e0', namespace: 'a', addresses: ['10.0.0.1/24'] }, { name: 'e1', namespace: 'b', addresses: ['10.0.0.2/24', '10.0.0.3/24'] }] },
    { ends: [{ name: 'e2', namespace: 'a', addresses: ['fd00::1/64'] }, { name: 'e3', namespace: 'v6', addresses: ['fd00::2/64'] }] }],
  tests,
});
const brief = (t: Topology) => probesOf(t).map((p) => `${p.type} ${p.from} ${p.address} ${p.expect} ${p.untilMs}/${p.intervalMs}${p.argv ? ` [${p.argv.join('|')}]` : ''}`);

describe('probes of tcp, http and command tests', () => {
  it('a namespace stands for its first address; a name is resolved where the test runs', () => {
    expect(brief(topo({ from: 'a', tcp: 'b:80' }, { from: 'a', tcp: 'v6:22', expect: 'closed', until: '30s', interval: '250ms' },
      { from: 'a', tcp: 'web.lab.test:80' }, { from: 'a', http: 'http://b:8000/x?y=1', status: 404, until: 2 },
      { from: 'a', http: 'http://v6/' }, { from: 'a', command: 'getent hosts b | grep -q 10.0.0.2', exit: 1 }, { from: 'b', command: ['true'] }))).toEqual([
      'tcp a 10.0.0.2:80 open 0/1000', 'tcp a [fd00::2]:22 closed 30000/250', 'tcp a web.lab.test:80 open 0/1000',
      'http a http://10.0.0.2:8000/x?y=1 404 2000/1000', 'http a http://[fd00::2]/ 200 0/1000',
      'command a getent hosts b | grep -q 10.0.0.2 1 0/1000 [sh|-c|getent hosts b | grep -q 10.0.0.2]', 'command b true 0 0/1000 [true]',
    ]);
  });

  it('pings still expand to every address of a namespace', () => {
    expect(brief(topo({ from: 'a', ping: 'b' }))).toEqual(['ping a 10.0.0.2 reachable 0/1000', 'ping a 10.0.0.3 reachable 0/1000']);
  });

  it('what holds: tcp closed is anything but open; a command its exit code (and output)', () => {
    expect(holds({ type: 'tcp', expect: 'closed' }, 'timeout')).toBe(true);
    expect(holds({ type: 'tcp', expect: 'closed' }, 'open')).toBe(false);
    expect(holds({ type: 'tcp', expect: 'refused' }, 'timeout')).toBe(false);
    expect(holds({ type: 'http', expect: '200' }, '200')).toBe(true);
    expect(holds({ type: 'command', expect: '0' }, 'exit 0')).toBe(true);
    expect(holds({ type: 'command', expect: '0' }, 'exit 0, output differs')).toBe(false);
  });

  it('the client runs in the namespace: this Node, with what to try as JSON', () => {
    const [p] = probesOf(topo({ from: 'a', tcp: 'b:80', expect: 'closed', until: 5 }));
    const argv = clientArgv(p, 2);
    expect(argv.slice(0, 5)).toEqual(['ip', 'netns', 'exec', 'a', process.execPath]);
    expect(JSON.parse(argv[7])).toEqual({ host: '10.0.0.2', port: 80, timeoutMs: 2000, untilMs: 5000, intervalMs: 1000, want: ['refused', 'unreachable', 'timeout'] });
  });

  it('parsers: durations, HOST:PORT, http URLs', () => {
    expect([durationMs(1.5), durationMs('500ms'), durationMs('30s'), durationMs('2m'), durationMs('7'), durationMs('soon'), durationMs(-1)])
      .toEqual([1500, 500, 30000, 120000, 7000, undefined, undefined]);
    expect(parseHostPort('web:80')).toEqual({ host: 'web', port: 80 });
    expect(parseHostPort('[fd00::1]:443')).toEqual({ host: 'fd00::1', port: 443 });
    expect(parseHostPort('fd00::1:443')).toMatch(/brackets/);
    expect(parseHostPort('web:0')).toMatch(/not 1\.\.65535/);
    expect(parseHttpUrl('http://NS1:80/')).toMatchObject({ host: 'NS1' });
    expect(parseHttpUrl('http://[fd00::1]:80/')).toMatchObject({ host: 'fd00::1' });
    expect(parseHttpUrl('ftp://x/')).toMatch(/only http: and https:/);
    expect(parseHttpUrl('https://Web:8443/')).toMatchObject({ host: 'Web' });
  });

  it('https: a namespace by name is connected to by address, its name kept for the certificate; insecure passed on', () => {
    const ps = probesOf(topo({ from: 'a', http: 'https://b:8443/', insecure: true }, { from: 'a', http: 'https://10.0.0.2/' }, { from: 'a', http: 'https://web.lab.test/' }));
    expect(ps.map((p) => [p.address, p.insecure, p.servername])).toEqual([
      ['https://10.0.0.2:8443/', true, 'b'], ['https://10.0.0.2/', undefined, undefined], ['https://web.lab.test/', undefined, undefined],
    ]);
    expect(JSON.parse(clientArgv(ps[0], 2)[7])).toEqual({ url: 'https://10.0.0.2:8443/', insecure: true, servername: 'b', timeoutMs: 2000, untilMs: 0, intervalMs: 1000, want: ['200'] });
  });

  it('timeout: the limit of each try; a command runs under coreutils\' timeout (30 s unless said)', () => {
    const ps = probesOf(topo({ from: 'a', tcp: 'b:80', timeout: '500ms' }, { from: 'b', command: 'sleep 9', timeout: 5 }, { from: 'host', command: ['true'] }));
    expect(ps.map((p) => p.timeoutMs)).toEqual([500, 5000, undefined]);
    expect(JSON.parse(clientArgv(ps[0], ps[0].timeoutMs! / 1000)[7]).timeoutMs).toBe(500);
    expect(commandRunArgv(ps[1])).toEqual(['ip', 'netns', 'exec', 'b', 'timeout', '-k', '1s', '5s', 'sh', '-c', 'sleep 9']);
    expect(commandRunArgv(ps[2])).toEqual(['timeout', '-k', '1s', '30s', 'true']);
  });

  it('validation: timeout a duration of 10 ms to 10 minutes; insecure for https URLs of http tests only; with line:col', () => {
    const lab = (tests: string) => `name: lab\nnamespaces: { a: {}, b: {} }\nveths:\n  - ends: [{ name: e0, namespace: a, addresses: [10.0.0.1/24] }, { name: e1, namespace: b, addresses: [10.0.0.2/24] }]\ntests:\n${tests}`;
    const problems = (tests: string) => validateText(lab(tests), 'lab.yaml').problems.map((p) => `${p.pos?.line}:${p.pos?.col} ${p.message}`);
    expect(problems('  - { from: a, http: "https://b/", insecure: true, timeout: 3s }\n  - { from: a, command: "true", timeout: 0.5 }\n')).toEqual([]);
    expect(problems([
      '  - { from: a, command: "true", timeout: soon }',
      '  - { from: a, command: "true", timeout: 11m }',
      '  - { from: a, command: "true", timeout: 5ms }',
      '  - { from: a, http: "http://b/", insecure: true }',
      '  - { from: a, tcp: "b:80", insecure: true }',
      '  - { from: a, http: "ftp://b/" }',
    ].join('\n'))).toEqual([
      '6:42 timeout: "soon" is not a duration', '7:42 timeout: 11m is more than 10 minutes', '8:42 timeout: 5ms is less than 10 ms: no try could finish',
      '9:35 insecure is for https: URLs (it accepts any certificate): this one is http:', '10:29 insecure is for http tests, not tcp',
      '11:22 http: "ftp://b/": ftp: URLs are not tested, only http: and https:',
    ]);
  });
});

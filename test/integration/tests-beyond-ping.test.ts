// `topo test` beyond ping, in the sandbox, against servers the test starts by hand in a lab namespace (any server
// will do: topo only connects): tcp open / refused / closed, http status, a command's exit code and output; the
// same tests failing when what they expect is not so (exit 1, the table and the JSON saying why); `until` waiting
// for a server that starts late, and giving up after its time with the tries counted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { tcpServer } from '../helpers/tcp.js';
import { httpServer } from '../helpers/http.js';
import { httpsServer, selfSigned } from '../helpers/https.js';

const LAB = `name: beyond
namespaces:
  client: {}
  web: {}
veths:
  - ends:
      - { name: eth0, namespace: client, addresses: [10.7.0.1/24, "fd00:7::1/64"] }
      - { name: eth0, namespace: web, addresses: [10.7.0.2/24, "fd00:7::2/64"] }
tests:
`;
interface Row { test: number; type: string; address: string; expect: string; result: string; ok: boolean; attempts: number; detail?: string }

let dir: string, sb: Sandbox;
const file = (name: string, tests: string[]) => { const f = join(dir, name); writeFileSync(f, LAB + tests.map((t) => `  - ${t}\n`).join('')); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-tests-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const results = (stdout: string) => (JSON.parse(stdout).results as Row[]).map((r) => `${r.type} ${r.address}: ${r.expect}/${r.result} ${r.ok ? 'ok' : 'FAIL'}`);

describe('topo test: tcp, http, command', () => {
  it('pass when what they expect is so; fail (exit 1, saying why) when it is not', async () => {
    const f = file('lab.yaml', [
      '{ from: client, tcp: "web:8080" }',
      '{ from: client, tcp: "[fd00:7::2]:8080", expect: open }',
      '{ from: client, tcp: "web:8081", expect: refused }',
      '{ from: client, tcp: "10.7.0.2:8081", expect: closed }',
      '{ from: client, http: "http://web:8000/" }',
      '{ from: client, http: "http://10.7.0.2:8000/nothing", status: 404 }',
      '{ from: client, command: [cat, /proc/net/dev], output: "eth0:" }',
      '{ from: web, command: "exit 3", exit: 3 }',
    ]);
    expect((await sb.topo(['apply', f])).exitCode).toBe(0);
    const tcp = await tcpServer(sb, 'web', 8080);
    const http = await httpServer(sb, 'web', 8000);
    try {
      const ok = await sb.topo(['test', f, '--json']);
      expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
      expect(results(ok.stdout)).toEqual([
        'tcp 10.7.0.2:8080: open/open ok', 'tcp [fd00:7::2]:8080: open/open ok', 'tcp 10.7.0.2:8081: refused/refused ok',
        'tcp 10.7.0.2:8081: closed/refused ok', 'http http://10.7.0.2:8000/: 200/200 ok', 'http http://10.7.0.2:8000/nothing: 404/404 ok',
        'command cat /proc/net/dev: 0/exit 0 ok', 'command exit 3: 3/exit 3 ok',
      ]);
      const text = await sb.topo(['test', f]);
      expect(text.exitCode, text.stdout).toBe(0);
      expect(text.stdout.split('\n')[0]).toMatch(/^ {4}FROM +TARGET +EXPECTED +RESULT +TIME$/);
      expect(text.stdout).toMatch(/^ok {2}client +web:8080 \(10\.7\.0\.2:8080\) +open +open +\d+ ms$/m);
      expect(text.stdout).toMatch(/^ok {2}client +http:\/\/web:8000\/ \(10\.7\.0\.2:8000\) +status 200 +status 200 +\d+ ms$/m);
      expect(text.stdout).toMatch(/^ok {2}web +\$ exit 3 +exit 3 +exit 3 +\d+ ms$/m);
      expect(text.stdout).toContain('All 8 test(s) hold');
    } finally {
      await tcp.stop();
      await http.stop();
    }
    // The servers are gone: the tests that needed them fail, and say what happened instead.
    const bad = file('bad.yaml', [
      '{ from: client, tcp: "web:8080" }',
      '{ from: client, http: "http://web:8000/" }',
      '{ from: client, command: [cat, /proc/net/dev], output: "eth9:" }',
      '{ from: web, command: "echo oops >&2; exit 3" }',
      '{ from: web, command: [no-such-command] }',
    ]);
    const failed = await sb.topo(['test', bad, '--json']);
    expect(failed.exitCode).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, passed: 0, failed: 5 });
    expect(results(failed.stdout)).toEqual([
      'tcp 10.7.0.2:8080: open/refused FAIL', 'http http://10.7.0.2:8000/: 200/refused FAIL',
      'command cat /proc/net/dev: 0/exit 0, output differs FAIL', 'command echo oops >&2; exit 3: 0/exit 3 FAIL',
      'command no-such-command: 0/error FAIL',
    ]);
    const text = await sb.topo(['test', bad]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}client +web:8080 \(10\.7\.0\.2:8080\) +open +refused/m);
    expect(text.stdout).toContain('  web -> $ echo oops >&2; exit 3: oops\n');
    expect(text.stdout).toMatch(/ {2}web -> \$ no-such-command: .*no-such-command/);
    expect(text.stdout).toContain('5 of 5 test(s) failed');
  });

  it('until: waits for a server that starts late; gives up after its time, the tries counted', async () => {
    const f = file('late.yaml', ['{ from: client, tcp: "web:9090", until: 60s, interval: 200ms }', '{ from: client, http: "http://web:9091/", until: 60s, interval: 200ms }']);
    expect((await sb.topo(['apply', f])).exitCode).toBe(0);
    const run = sb.topo(['test', f, '--json']);
    await new Promise((r) => setTimeout(r, 1000));
    const tcp = await tcpServer(sb, 'web', 9090);
    const http = await httpServer(sb, 'web', 9091);
    try {
      const r = await run;
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(results(r.stdout)).toEqual(['tcp 10.7.0.2:9090: open/open ok', 'http http://10.7.0.2:9091/: 200/200 ok']);
    } finally {
      await tcp.stop();
      await http.stop();
    }
    const never = file('never.yaml', ['{ from: client, command: "test -e /run/never", until: 3s, interval: 100ms }', '{ from: client, tcp: "web:9092", until: 3s, interval: 100ms }']);
    const r = await sb.topo(['test', never, '--json']);
    expect(r.exitCode).toBe(1);
    const rows = JSON.parse(r.stdout).results as Row[];
    expect(rows.map((x) => `${x.result} ${x.ok}`)).toEqual(['exit 1 false', 'refused false']);
    for (const x of rows) expect(x.attempts).toBeGreaterThan(1);
  });

  it('https: a self-signed certificate is refused, accepted with insecure, verified by the name in the URL once its CA is trusted', async () => {
    const tls = selfSigned(dir, 'web');
    const f = file('tls.yaml', [
      '{ from: client, http: "https://web:8443/", insecure: true }',
      '{ from: client, http: "https://[fd00:7::2]:8443/nothing", insecure: true, status: 404 }',
      '{ from: client, http: "https://web:8443/" }',
      '{ from: client, http: "https://10.7.0.2:8443/" }',
    ]);
    expect((await sb.topo(['apply', f])).exitCode).toBe(0);
    const https = await httpsServer(sb, 'web', 8443, tls);
    try {
      const r = await sb.topo(['test', f, '--json']);
      expect(r.exitCode).toBe(1);
      const rows = JSON.parse(r.stdout).results as Row[];
      expect(results(r.stdout)).toEqual([
        'http https://10.7.0.2:8443/: 200/200 ok', 'http https://[fd00:7::2]:8443/nothing: 404/404 ok',
        'http https://10.7.0.2:8443/: 200/error FAIL', 'http https://10.7.0.2:8443/: 200/error FAIL',
      ]);
      expect(rows[2].detail).toBe('self-signed certificate');
      expect(rows[3].detail).toBe('self-signed certificate');
      // Its certificate trusted (the client is this Node: NODE_EXTRA_CA_CERTS): "web" is the name checked, though
      // the client connects to web's address; the address itself is no name of the certificate.
      const trusted = await sb.topo(['test', f, '--json'], { NODE_EXTRA_CA_CERTS: tls.cert });
      expect(trusted.exitCode).toBe(1);
      expect(results(trusted.stdout).slice(2)).toEqual(['http https://10.7.0.2:8443/: 200/200 ok', 'http https://10.7.0.2:8443/: 200/error FAIL']);
      expect((JSON.parse(trusted.stdout).results as Row[])[3].detail).toMatch(/^Hostname\/IP does not match certificate's altnames: IP: 10\.7\.0\.2 is not in the cert's list/);
    } finally {
      await https.stop();
    }
  });

  it('timeout: a command still running at its limit is stopped with what it started; one within its limit passes', async () => {
    const f = file('slow.yaml', [
      '{ from: web, command: "sleep 300 & echo $! > /run/slow-child.pid; wait", timeout: 1s }',
      '{ from: web, command: "sleep 0.2; echo done", output: "^done$", timeout: 20s }',
    ]);
    expect((await sb.topo(['apply', f])).exitCode).toBe(0);
    const r = await sb.topo(['test', f, '--json']);
    expect(r.exitCode).toBe(1);
    const rows = JSON.parse(r.stdout).results as Row[];
    expect(rows.map((x) => `${x.result} ${x.ok}`)).toEqual(['timeout false', 'exit 0 true']);
    expect(rows[0].detail).toBe('still running after 1 s: stopped, with what it started');
    // The background child the command started is dead too (its process group was signalled): gone, or a zombie
    // until whoever inherited it collects it.
    const pid = (await sb.run(['cat', '/run/slow-child.pid'])).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    const state = (await sb.run(['sh', '-c', 'cut -d" " -f3 "/proc/$1/stat" 2>/dev/null || echo gone', 'sh', pid])).stdout.trim();
    expect(['gone', 'Z']).toContain(state);
    const text = await sb.topo(['test', f]);
    expect(text.stdout).toMatch(/^FAIL {2}web +\$ sleep 300 & .* +exit 0 +timeout/m);
  });
});

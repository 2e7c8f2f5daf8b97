// Connectivity tests declared in the lab: `topo apply --test` and `topo test` on the isolation example inside
// the sandbox, a broken isolation and a broken link reported as failures, a lab that isn't applied, and the
// pure expansion of tests into probes.
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probesOf } from '../../src/ops/connectivity.js';
import { pingArgv } from '../../src/ops/test-run.js';
import type { Topology } from '../../src/model.js';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { scratchDir } from '../helpers/scratch.js';

const ISOLATION = example('isolation.yaml');
interface Row { from: string; target: string; address: string; expect: string; result: string; ok: boolean; detail?: string }
const rows = (stdout: string) => (JSON.parse(stdout).results as Row[]).map((r) => `${r.from}>${r.address}:${r.expect}/${r.result}`);

describe('topo test (sandbox)', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it('isolation: apply --test passes with its unreachable tests; breaking isolation or a link fails', async () => {
    const applied = await sb.topo(['apply', ISOLATION, '--test']);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.exitCode).toBe(0);
    const table = applied.stdout.slice(applied.stdout.indexOf('    FROM'));
    expect(table.split('\n')[0]).toMatch(/^ {4}FROM +TARGET +EXPECTED +RESULT +TIME$/);
    expect(table).toMatch(/^ok {2}red +blue \(10\.10\.0\.3\) +reachable +reachable +\d+ ms$/m);
    expect(table).toMatch(/^ok {2}red +green \(10\.20\.0\.2\) +unreachable +unreachable +\d+ ms$/m);
    expect(table).toContain('All 5 test(s) hold');

    const json = await sb.topo(['test', ISOLATION, '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, lab: 'isolation', passed: 5, failed: 0 });
    expect(rows(json.stdout)).toEqual([
      'red>10.10.0.3:reachable/reachable', 'red>10.10.0.1:reachable/reachable', 'green>10.20.0.1:reachable/reachable',
      'red>10.20.0.2:unreachable/unreachable', 'green>10.10.0.2:unreachable/unreachable',
    ]);

    // Turn forwarding on in the switch by hand: isolation no longer holds, and topo test says so.
    expect((await sb.run(['ip', 'netns', 'exec', 'switch', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])).exitCode).toBe(0);
    const leaky = await sb.topo(['test', ISOLATION, '--json']);
    expect(leaky.exitCode).toBe(1);
    expect(JSON.parse(leaky.stdout)).toMatchObject({ ok: false, passed: 3, failed: 2 });
    expect(rows(leaky.stdout).slice(3)).toEqual(['red>10.20.0.2:unreachable/reachable', 'green>10.10.0.2:unreachable/reachable']);
    const junit = join(scratchDir('topo-junit'), 'results.xml');
    const text = await sb.topo(['test', ISOLATION, '--junit', junit]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}red +green \(10\.20\.0\.2\) +unreachable +reachable/m);
    expect(text.stdout).toContain('2 of 5 test(s) failed');
    // The same results as JUnit XML, read by an XML parser (Python's): counts, cases, the failures' messages.
    const parsed = await execa('python3', ['-c', `import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find('testsuite')
print(s.get('name'), s.get('tests'), s.get('failures'))
for c in s.iter('testcase'):
    f = c.find('failure')
    print(c.get('classname'), '|', c.get('name'), '|', f.get('message') if f is not None else 'ok')`, junit]);
    expect(parsed.stdout.split('\n')).toEqual([
      'isolation 5 2',
      'isolation.red | ping blue (10.10.0.3) (reachable) | ok',
      'isolation.red | ping 10.10.0.1 (reachable) | ok',
      'isolation.green | ping 10.20.0.1 (reachable) | ok',
      'isolation.red | ping green (10.20.0.2) (unreachable) | expected unreachable, got reachable',
      'isolation.green | ping 10.10.0.2 (unreachable) | expected unreachable, got reachable',
    ]);

    // apply restores the sysctl; then cut blue off: the reachable test fails.
    expect((await sb.topo(['apply', ISOLATION, '--test'])).exitCode).toBe(0);
    expect((await sb.run(['ip', '-n', 'blue', 'link', 'set', 'eth0', 'down'])).exitCode).toBe(0);
    const cut = await sb.topo(['test', ISOLATION, '--json', '--timeout', '1']);
    expect(cut.exitCode).toBe(1);
    expect(rows(cut.stdout)[0]).toBe('red>10.10.0.3:reachable/unreachable');
    const failedApply = await sb.topo(['apply', ISOLATION, '--test', '--json']);
    expect(failedApply.exitCode).toBe(0); // apply repaired the link before testing
    expect(JSON.parse(failedApply.stdout)).toMatchObject({ ok: true, changed: true, tests: { ok: true, passed: 5 } });

    expect((await sb.topo(['destroy', ISOLATION])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);

    // Not applied: every probe is an error naming the missing namespace.
    const none = await sb.topo(['test', ISOLATION, '--json']);
    expect(none.exitCode).toBe(1);
    const results = JSON.parse(none.stdout).results as Row[];
    expect(results.every((r) => r.result === 'error' && !r.ok)).toBe(true);
    expect(results[0].detail).toBe('namespace red does not exist: apply the lab first');
  });

  it('apply --test exits 1 when a test fails after a successful apply', async () => {
    const r = await sb.topo(['apply', example('two-namespaces.yaml'), '--test']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Lab "two-ns" declares no tests.');
    // isolation with a lab-declared test that cannot hold: ping an address of a namespace it is cut off from
    const doc = (await sb.run(['cat', ISOLATION])).stdout.replace('{ from: red, ping: green, expect: unreachable }', '{ from: red, ping: green }');
    const file = '/run/isolation-wrong.yaml';
    expect((await sb.run(['sh', '-c', `cat > ${file}`], { input: doc })).exitCode).toBe(0);
    const wrong = await sb.topo(['apply', file, '--test']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain('Apply complete');
    expect(wrong.stdout).toMatch(/^FAIL {2}red +green \(10\.20\.0\.2\) +reachable +unreachable/m);
  });

  it('rejects a bad --timeout as a usage error', async () => {
    const r = await sb.topo(['test', ISOLATION, '--timeout', '0']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain('--timeout 0');
  });
});

describe('probes (pure)', () => {
  const topo: Topology = {
    name: 'p',
    namespaces: { a: {}, b: {}, host: {} },
    bridges: { br: { addresses: ['10.0.0.1/24'] } },
    veths: [{ ends: [{ name: 'x', namespace: 'a', addresses: ['10.0.0.2/24', 'fd00::2/64'] }, { name: 'y', bridge: 'br' }] },
      { ends: [{ name: 'z', namespace: 'b', addresses: ['10.0.1.2/24'] }, { name: 'w', namespace: 'a', addresses: ['10.0.1.1/24'] }] }],
    tests: [{ from: 'b', ping: 'a' }, { from: 'a', ping: 'host', expect: 'unreachable' }, { from: 'a', ping: '10.0.1.2' }],
  };

  it('expands a namespace target into each of its declared addresses, keeps an address as it is', () => {
    expect(probesOf(topo).map((p) => `${p.test} ${p.from}>${p.target}=${p.address} ${p.expect}`)).toEqual([
      '0 b>a=10.0.0.2 reachable', '0 b>a=fd00::2 reachable', '0 b>a=10.0.1.1 reachable',
      '1 a>host=10.0.0.1 unreachable', '2 a>10.0.1.2=10.0.1.2 reachable',
    ]);
  });

  it('pings once with a deadline, from inside the namespace (directly from the host)', () => {
    expect(pingArgv('a', '10.0.0.1', 2)).toEqual(['ip', 'netns', 'exec', 'a', 'ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '2', '10.0.0.1']);
    expect(pingArgv('host', 'fd00::2', 3)).toEqual(['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '3', 'fd00::2']);
  });
});

// The CI example, run by `npm test` (vitest project "examples"): the library as a test suite uses it — imported by
// the package's name, one lab per test file brought up in a sandbox of its own (so parallel jobs on one runner
// can't collide and nothing is left behind), a real client and server across it, and the lab torn down at the end.
// Outside a sandbox nothing here can apply: this project's setup points topo's state directory at a path that
// can't be created (test/helpers/examples-setup.ts), so an apply in this process fails before it changes anything.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailed, InvalidTopology, up, type Lab, type TopoEvent } from 'topo-netns';

const here = fileURLToPath(new URL('.', import.meta.url));
const labFile = join(here, 'lab.yaml');
const client = join(here, 'echo-client.mjs');

describe('a lab per test file, in a sandbox of its own', () => {
  let lab: Lab;
  const events: TopoEvent[] = [];
  beforeAll(async () => {
    // test: true runs the lab's own tests (ping, the server's port) before any of ours: a failing one throws.
    lab = await up({ file: labFile }, { sandbox: true, test: true, onEvent: (e) => events.push(e) });
  });
  afterAll(async () => { await lab?.down(); });

  it('the echo server in one namespace answers the client in the other', async () => {
    const r = await lab.exec('client', [process.execPath, client, '10.77.0.1', '7000', 'hello through the lab']);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello through the lab\n' });
    // and nothing listens on the next port: the client says why, with its exit code
    const closed = await lab.exec('client', [process.execPath, client, '10.77.0.1', '7001']);
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toContain('ECONNREFUSED');
  });

  it('the kernel is what the file says: the addresses read back, no drift, an empty plan', async () => {
    const addr = await lab.exec('server', ['ip', '-json', 'addr', 'show', 'dev', 'eth0']);
    expect(JSON.parse(addr.stdout)[0].addr_info.map((a: { local: string }) => a.local)).toContain('10.77.0.1');
    const shown = await lab.show();
    expect(shown.drift).toEqual([]);
    expect(Object.keys(shown.namespaces).sort()).toEqual(['client', 'server']);
    expect((await lab.plan()).changes).toEqual([]);
  });

  it('progress came as events: the plan first, then stages and steps, then the sandbox', () => {
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('plan');
    expect(types).toContain('step-done');
    expect(types.at(-1)).toBe('sandbox-start');
    expect(events.some((e) => e.type === 'step-failed')).toBe(false);
  });

  it('an edit applies over the running lab: an address added, read back', async () => {
    const text = readFileSync(labFile, 'utf8').replace('addresses: [10.77.0.2/24]', 'addresses: [10.77.0.2/24, 10.77.0.3/24]');
    const r = await lab.apply({ yaml: text });
    expect(r.changed).toBe(true);
    const addr = await lab.exec('client', ['ip', '-json', 'addr', 'show', 'dev', 'eth0']);
    expect(JSON.parse(addr.stdout)[0].addr_info.map((a: { local: string }) => a.local)).toEqual(expect.arrayContaining(['10.77.0.2', '10.77.0.3']));
  });
});

it('await using: the sandbox is gone at the end of the block, also when the block throws', async () => {
  let pid = 0;
  await expect((async () => {
    await using lab = await up({ file: labFile }, { sandbox: true });
    pid = lab.pid!;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    throw new Error('the test failed half way');
  })()).rejects.toThrow('the test failed half way');
  // The sandbox's init is gone (it is reaped as the holder exits, which down() waited for).
  expect(pid).toBeGreaterThan(0);
  expect(existsSync(`/proc/${pid}`)).toBe(false);
});

/** What the promise was rejected with (a test failure when it resolved). */
async function rejection<E = Error & InvalidTopology & CommandFailed>(p: Promise<unknown>): Promise<E> {
  try { await p; } catch (e) { return e as E; }
  throw new Error('expected a rejection');
}

it('errors are typed: a bad file before any sandbox, a kernel refusal with its step and command', async () => {
  const bad = up({ yaml: 'name: bad\nnamespaces:\n  a: {}\nveths:\n  - ends:\n      - { name: v1, namespace: a, addresses: [10.0.0.1/33] }\n      - { name: v2, namespace: a }\n' }, { sandbox: true });
  const e = await rejection(bad);
  expect(e).toBeInstanceOf(InvalidTopology);
  expect(e.problems[0]).toMatchObject({ path: '/veths/0/ends/0/addresses/0', pos: { line: 6 } });
  // A TTL of 0: valid to topo's schema, refused by the kernel (EINVAL); the apply is rolled back, the sandbox ends.
  const refused = up({ object: { name: 'refused', namespaces: { a: { sysctls: { 'net.ipv4.ip_default_ttl': 0 } } } } }, { sandbox: true });
  const err = await rejection(refused);
  expect(err).toBeInstanceOf(CommandFailed);
  expect(err).toMatchObject({ code: 'E_COMMAND', exitCode: 1, step: 'net.ipv4.ip_default_ttl', stderr: expect.stringContaining('Invalid argument') });
  expect(err.argv).toEqual(['ip', 'netns', 'exec', 'a', 'tee', '/proc/sys/net/ipv4/ip_default_ttl']);
  expect(err.details.rolledBack).toBe(true);
});

describe('the shell CI step', () => {
  it('`topo sandbox lab.yaml -- ./ci.sh` passes, with the tests\' JSON report written', async () => {
    const reports = mkdtempSync(join(tmpdir(), 'topo-ci-'));
    try {
      const r = await promisify(execFile)(process.execPath, [join(here, '../../bin/topo.js'), 'sandbox', '-q', labFile, '--', join(here, 'ci.sh')],
        { env: { ...process.env, REPORT_DIR: reports } });
      expect(r.stdout).toContain('ci.sh: echo through the lab works');
      const report = JSON.parse(readFileSync(join(reports, 'topo-test.json'), 'utf8'));
      expect(report).toMatchObject({ ok: true, lab: 'ci-echo', passed: 3, failed: 0 });
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });
});

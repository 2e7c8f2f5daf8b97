// The fan-out's pure parts (src/remote/): ssh's argv, each host's answer read from its output, preflight's
// findings, the combined plan and test table, and the rollback each host needs after a failed apply.
import { describe, expect, it } from 'vitest';
import { answerOf, combinedDoc, combinedPlanText, combinedTestText, preflightError, rollbacks, versionCompatible, type HostPlan } from '../../src/remote/combined.js';
import { fileOnFd3 } from '../../src/remote/fanout-exec.js';
import type { HostRun } from '../../src/remote/hosts-run.js';
import { closeArgv, hostArgv, masterArgv, topoWords, type Transport } from '../../src/remote/ssh.js';

const T: Transport = { controlDir: '/tmp/topo-ssh-abc', sshConfig: '/home/me/ssh_config', self: ['/usr/bin/node', '/opt/topo/bin/topo.js'] };
const SHARED = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/tmp/topo-ssh-abc/%C'];
const run = (o: Partial<HostRun>): HostRun => ({ host: 'node2', argv: ['ssh', '--', 'root@10.0.0.2', 'topo plan - --host node2 --json'], exitCode: 0, stdout: '', stderr: '', ...o });

describe('ssh argv', () => {
  it('runs topo over ssh: the user\'s config, batch mode, the shared connection, port and key, one quoted command line', () => {
    expect(hostArgv({ ssh: 'root@10.0.0.2', port: 2222, identity: '/k/id' }, T, ['plan', '-', '--host', 'node2', '--json'])).toEqual([
      'ssh', '-F', '/home/me/ssh_config', ...SHARED, '-p', '2222', '-i', '/k/id', '-o', 'ControlPersist=no', '-T', '--', 'root@10.0.0.2',
      'topo plan - --host node2 --json',
    ]);
  });
  it('quotes each word for the host\'s shell; machines.X.topo is split into words at spaces; -t for a terminal', () => {
    const argv = hostArgv({ ssh: 'ops@h', topo: '  sudo -n  /opt/topo/bin/topo  ' }, { ...T, sshConfig: undefined }, ['exec', 'f', 'NS1', '--', 'sh', '-c', "echo 'hi there'"], { tty: true });
    expect(argv.slice(-4)).toEqual(['-t', '--', 'ops@h', `sudo -n /opt/topo/bin/topo exec f NS1 -- sh -c 'echo '\\''hi there'\\'''`]);
    expect(argv).not.toContain('-F');
  });
  it('a local host runs topo as a process: this install unless its topo: says another', () => {
    expect(hostArgv({ local: true }, T, ['test', '-'])).toEqual(['/usr/bin/node', '/opt/topo/bin/topo.js', 'test', '-']);
    expect(topoWords({ local: true, topo: 'topo' }, T)).toEqual(['topo']);
    expect(topoWords({ ssh: 'a@b' }, T)).toEqual(['topo']);
  });
  it('the shared connection is opened in the background (ControlPersist, -f -N) and closed with -O exit', () => {
    expect(masterArgv({ ssh: 'root@h' }, T)).toEqual(['ssh', '-F', '/home/me/ssh_config', ...SHARED, '-o', 'ControlPersist=60', '-f', '-N', '--', 'root@h']);
    expect(closeArgv({ ssh: 'root@h' }, T)).toEqual(['ssh', '-F', '/home/me/ssh_config', ...SHARED, '-O', 'exit', '--', 'root@h']);
  });
  it('exec hands the file over on descriptor 3 as a quoted here-document, whatever the file holds', () => {
    const doc = fileOnFd3("name: x\n# it's $HOME `here`");
    const end = /^ 3<<'(TOPO_FILE_[0-9a-f]{16})'\n/.exec(doc)![1];
    expect(doc).toBe(` 3<<'${end}'\nname: x\n# it's $HOME \`here\`\n${end}\n`);
  });
});

describe('each host\'s answer', () => {
  it('a JSON document is the answer; an error document is the host\'s error, named', () => {
    expect(answerOf(run({ stdout: '{"ok":true,"lab":"l.node2"}' }))).toEqual({ host: 'node2', ok: true, exitCode: 0, doc: { ok: true, lab: 'l.node2' } });
    const a = answerOf(run({ exitCode: 1, stdout: '{"ok":false,"error":{"code":"E_CONFLICT","message":"br0 is taken","hint":"h"}}' }));
    expect(a).toEqual({ host: 'node2', ok: false, reached: true, exitCode: 1, error: { code: 'E_CONFLICT', message: 'host node2: br0 is taken', hint: 'h' } });
  });
  it('ssh\'s failure (255) names the host, ssh\'s message and the command; a missing topo (127) says how to install it', () => {
    const down = answerOf(run({ exitCode: 255, stderr: 'ssh: connect to host 10.0.0.2 port 22: No route to host\n' }));
    expect(down).toMatchObject({ ok: false, reached: false, error: { code: 'E_HOST_UNREACHABLE', message: 'host node2: ssh failed: ssh: connect to host 10.0.0.2 port 22: No route to host',
      command: "ssh -- root@10.0.0.2 'topo plan - --host node2 --json'" } });
    const none = answerOf(run({ exitCode: 127, stderr: 'sh: 1: topo: not found\n' }));
    expect(none).toMatchObject({ ok: false, reached: true, error: { code: 'E_HOST_NO_TOPO', hint: expect.stringMatching(/npm pack.*npm i -g topo-netns-<version>\.tgz/) } });
  });
});

describe('preflight', () => {
  it('needs the same major version (the same minor in 0.x)', () => {
    expect(versionCompatible('0.1.0', '0.1.7')).toBe(true);
    expect(versionCompatible('0.1.0', '0.2.0')).toBe(false);
    expect(versionCompatible('1.2.0', '1.9.3')).toBe(true);
    expect(versionCompatible('1.2.0', '2.0.0')).toBe(false);
    expect(versionCompatible('1.2.0', 'topo')).toBe(false);
  });
  it('finds nothing on a host that runs a compatible topo; names the versions otherwise', () => {
    expect(preflightError(run({ stdout: '0.1.0\n' }), '0.1.0')).toBeUndefined();
    expect(preflightError(run({ stdout: '0.2.0\n' }), '0.1.0')).toMatchObject({ code: 'E_HOST_VERSION', message: 'host node2: topo 0.2.0 there, 0.1.0 here: the versions must match (the same major version; in 0.x the same minor)' });
  });
});

const plan = (lab: string, changes: HostPlan['changes']): HostPlan => ({ lab, changes, summary: {
  create: changes.filter((c) => c.op === 'create').length, update: changes.filter((c) => c.op === 'update').length, delete: changes.filter((c) => c.op === 'delete').length } });

describe('combined outputs', () => {
  it('one plan grouped by host, each namespace as the file names it (NS@HOST), the root namespace first, then the totals', () => {
    expect(combinedPlanText({
      node1: plan('l.node1', [{ op: 'create', namespace: 'NS1', label: 'NS1' }, { op: 'create', namespace: 'host', label: 'br0' }, { op: 'update', namespace: 'host', label: 'net.ipv4.ip_forward' }]),
      node2: plan('l.node2', []),
    })).toBe([
      'host node1 (lab l.node1): 2 to create, 1 to change, 0 to delete',
      '  namespace host@node1:', '    + br0', '    ~ net.ipv4.ip_forward',
      '  namespace NS1@node1:', '    + NS1',
      'host node2 (lab l.node2): no changes', '',
      'Plan: 2 to create, 1 to change, 0 to delete, on 2 host(s).', '',
    ].join('\n'));
  });
  it('the combined document holds each host\'s and is ok only when every one is', () => {
    expect(combinedDoc('l', { a: { ok: true }, b: { ok: false } }, { changed: true })).toEqual({ format_version: 1, ok: false, lab: 'l', hosts: { a: { ok: true }, b: { ok: false } }, changed: true });
  });
  it('one test table over every host, failing when one host\'s test fails', () => {
    const row = (ok: boolean, from: string, address: string) => ({ ok, from, target: address, address, expect: 'reachable', result: ok ? 'reachable' : 'unreachable', ms: 3, ...(ok ? {} : { detail: '100% packet loss' }) });
    const text = combinedTestText({ node1: { ok: true, passed: 1, failed: 0, ms: 5, results: [row(true, 'NS1', '10.0.1.2')] },
      node2: { ok: false, passed: 0, failed: 1, ms: 5, results: [row(false, 'NS1', '10.0.0.2')] } });
    expect(text).toBe([
      '      FROM       TARGET    EXPECT     RESULT       TIME',
      'ok    NS1@node1  10.0.1.2  reachable  reachable    3 ms',
      'FAIL  NS1@node2  10.0.0.2  reachable  unreachable  3 ms',
      '  NS1@node2 -> 10.0.0.2: 100% packet loss',
      '1 of 2 test(s) failed, on 2 host(s).', '',
    ].join('\n'));
  });
});

describe('rollback after a failed apply', () => {
  const applied = (host: string, changed: boolean) => ({ host, ok: true as const, exitCode: 0, doc: { changed } });
  it('a host that changed goes back to the file its record named, or has its part destroyed; a failed host rolled itself back', () => {
    const failed = { host: 'c', ok: false as const, reached: true, exitCode: 1, error: { code: 'E_COMMAND', message: 'host c: step failed' } };
    expect(rollbacks([applied('a', true), applied('b', true), failed, applied('d', false)], { a: '/run/topo/files/l.a.0123456789abcdef.yaml' })).toEqual([
      { host: 'a', action: 'reapply', file: '/run/topo/files/l.a.0123456789abcdef.yaml' },
      { host: 'b', action: 'destroy' },
      { host: 'c', action: 'none', why: 'its apply failed and rolled itself back' },
      { host: 'd', action: 'none', why: 'its apply changed nothing' },
    ]);
  });
  it('a host lost during its apply is unknown: said, not guessed at', () => {
    const lost = { host: 'b', ok: false as const, reached: false, exitCode: 1, error: { code: 'E_HOST_UNREACHABLE', message: 'host b: ssh failed: Broken pipe' } };
    expect(rollbacks([lost], {})).toEqual([{ host: 'b', action: 'unknown', why: 'no answer from its apply: host b: ssh failed: Broken pipe' }]);
  });
});

describe('fanOutMachines', () => {
  const fans = async (text: string) => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/topo-fan-');
    try {
      writeFileSync(`${dir}/lab.yaml`, text);
      const { fanOutMachines } = await import('../../src/cli/fanout-commands.js');
      return await fanOutMachines(`${dir}/lab.yaml`, {});
    } finally { rmSync(dir, { recursive: true }); }
  };
  const two = '{ a: { local: true }, b: { local: true } }';
  it('a file with two machines fans out, however its key is spelled; one without the word is not parsed for it', async () => {
    expect(Object.keys((await fans(`name: l\nmachines: ${two}\n`))!)).toEqual(['a', 'b']);
    expect(Object.keys((await fans(`name: l\n"m\\x61chines": ${two}\n`))!)).toEqual(['a', 'b']);
    expect(await fans(`name: l\nmachines: { a: { local: true } }\n`)).toBeUndefined();
    expect(await fans(`name: l\nmachine: ${two}\n`)).toBeUndefined();
  });
});

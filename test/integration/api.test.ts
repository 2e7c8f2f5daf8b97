// The library (dist/api.mjs, the package's `exports`) against the real kernel. Its calls run in the process that
// makes them, so each script here runs inside the test's Sandbox (node, with the script written to a scratch file).
// Sandbox mode makes a sandbox of its own: nested in the test's, whose state before and after is compared.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, example } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';
import { holders, leftAfterKill } from '../helpers/ns-holders.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const API = `${ROOT}dist/api.mjs`;

/** A script importing the library as `topo`, written to a scratch file; prints one JSON document. */
function script(body: string): string {
  const dir = scratchDir('topo-api');
  chmodSync(dir, 0o755); // readable by the user the not-root case drops to
  const file = join(dir, 'run.mjs');
  writeFileSync(file, `import * as topo from ${JSON.stringify(API)};\nconst out = {};\n${body}\nprocess.stdout.write(JSON.stringify(out));\n`);
  return file;
}

/** What a call threw, as data. */
const CAUGHT = 'const caught = (e) => ({ cls: e.constructor.name, code: e.code, exitCode: e.exitCode, message: e.message });';

async function outerState() {
  const sh = await sb.sh('ls -A /run/netns; echo --; ls -A /run/topo; echo --; nft list ruleset');
  return { kernel: await sb.snapshot(), files: sh.stdout };
}

describe('the library in this process\'s namespaces', () => {
  it('load, plan, apply (with events), show, test, exec, destroy: the CLI\'s documents, the kernel read back', async () => {
    const up = await sb.run([process.execPath, script(`${CAUGHT}
      const spec = await topo.load({ file: ${JSON.stringify(example('two-namespaces.yaml'))} });
      out.plan = await topo.plan(spec);
      const events = [];
      out.apply = await topo.apply(spec, { onEvent: (e) => events.push(e.type === 'step-done' ? e.type + ' ' + e.step.kind + ' ' + e.step.key : e.type) });
      out.events = events;
      out.show = await topo.show(spec);
      out.test = await topo.test(spec);
      out.exec = await topo.exec(spec, 'ns2', ['ping', '-c1', '-W1', '192.168.1.1']);
      out.input = await topo.exec(spec, 'ns1', ['cat'], { input: 'through stdin' });
      try { await topo.exec(spec, 'nope', ['true']); } catch (e) { out.undeclared = caught(e); }
      out.again = await topo.apply(spec);`)]);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toBe(''); // nothing printed unless a renderer is asked for
    const out = JSON.parse(up.stdout);
    expect(out.plan.summary.create).toBeGreaterThan(0);
    expect(out.plan.changes.map((c: { op: string }) => c.op)).toEqual(out.plan.changes.map(() => 'create'));
    expect(out.apply).toMatchObject({ ok: true, lab: 'two-ns', changed: true, plan: { summary: out.plan.summary } });
    expect(out.events[0]).toBe('plan');
    expect(out.events).toContain('stage-start');
    expect(out.events.filter((e: string) => e.startsWith('step-done')).length).toBe(out.plan.changes.length);
    expect(out.show.drift).toEqual([]);
    expect(out.test).toMatchObject({ ok: true, lab: 'two-ns', failed: 0 });
    expect(out.exec).toMatchObject({ exitCode: 0, stderr: '' });
    expect(out.input).toEqual({ exitCode: 0, stdout: 'through stdin', stderr: '' });
    expect(out.undeclared).toMatchObject({ cls: 'TopoError', code: 'E_USAGE', exitCode: 64 });
    expect(out.again).toMatchObject({ ok: true, changed: false, plan: { changes: [] } });
    // Each document the CLI's --json prints, versioned the same way.
    for (const doc of ['plan', 'apply', 'show', 'test', 'again']) expect(out[doc], doc).toMatchObject({ format_version: 1, ok: true });
    // The kernel, read back here.
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
    const addr = await sb.ipJson('ns1', 'addr', 'show', 'dev', 'veth1');
    expect(addr[0].addr_info.map((a: { local: string }) => a.local)).toContain('192.168.1.1');

    const down = await sb.run([process.execPath, script(`out.destroy = await topo.destroy('two-ns');
      out.again = await topo.destroy('two-ns');`)]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ destroy: { ok: true, lab: 'two-ns', changed: true }, again: { changed: false } });
    expect(await sb.netns()).toEqual([]);
  });

  it('typed errors: InvalidTopology with line:col and path, LockBusy, NotPermitted, a bad source', async () => {
    const file = join(scratchDir('topo-api-lock'), 'lock-holder.sh');
    writeFileSync(file, 'exec flock /run/topo/two-ns.lock sleep 600\n');
    const r = await sb.run([process.execPath, script(`${CAUGHT}
      try { await topo.load({ yaml: 'name: bad\\nnamespaces:\\n  a: {}\\nveths:\\n  - ends:\\n      - { name: v1, namespace: a, addresses: [10.0.0.1/33] }\\n      - { name: v2, namespace: a }\\n', file: 'bad.yaml' }); }
      catch (e) { out.yaml = { ...caught(e), problems: e.problems }; }
      try { await topo.load({ object: { name: 'bad', namespaces: { a: { mtu: 'x' } } } }); } catch (e) { out.object = { ...caught(e), problems: e.problems }; }
      try { await topo.load({ name: 'two-ns' }); } catch (e) { out.bare = caught(e); }
      const { spawn, spawnSync } = await import('node:child_process');
      const holder = spawn('sh', [${JSON.stringify(file)}], { stdio: 'ignore' });
      while (spawnSync('flock', ['-n', '/run/topo/two-ns.lock', 'true']).status === 0) await new Promise((r) => setTimeout(r, 50));
      const spec = await topo.load({ file: ${JSON.stringify(example('two-namespaces.yaml'))} });
      try { await topo.apply(spec, { waitSeconds: 0 }); } catch (e) { out.locked = { ...caught(e), isLockBusy: e instanceof topo.LockBusy, isTopoError: e instanceof topo.TopoError }; }
      holder.kill('SIGKILL');`)]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.yaml).toMatchObject({ cls: 'InvalidTopology', code: 'E_INVALID', exitCode: 65 });
    expect(out.yaml.problems[0]).toMatchObject({ code: 'bad-address', path: '/veths/0/ends/0/addresses/0', pos: { line: 6, col: 47 } });
    // an object has no text: its problems are placed by path alone
    expect(out.object.problems.length).toBeGreaterThan(0);
    for (const p of out.object.problems) expect(p.pos).toBeUndefined();
    expect(out.object.problems[0].path).toMatch(/^\/namespaces\/a/);
    expect(out.bare).toMatchObject({ cls: 'TopoError', code: 'E_USAGE', exitCode: 64 });
    expect(out.locked).toMatchObject({ cls: 'LockBusy', code: 'E_LOCKED', exitCode: 75, isLockBusy: true, isTopoError: true });
    expect(await sb.netns()).toEqual([]); // the locked apply changed nothing
    // Not root: refused before anything is read (setpriv drops to nobody).
    const spec = example('two-namespaces.yaml');
    const nobody = await sb.run(['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, script(`${CAUGHT}
      try { await topo.plan(await topo.load({ file: ${JSON.stringify(spec)} })); } catch (e) { out.plan = { ...caught(e), isNotPermitted: e instanceof topo.NotPermitted }; }`)]);
    expect(nobody.exitCode, nobody.stderr).toBe(0);
    expect(JSON.parse(nobody.stdout).plan).toMatchObject({ cls: 'NotPermitted', code: 'E_PERM', exitCode: 77, isNotPermitted: true });
  });
});

describe('sandbox mode', () => {
  it('kill -9 of the process holding a sandboxed lab ends the sandbox: nothing is left in its namespaces or outside', async () => {
    const before = await outerState();
    // The lab is brought up in a sandbox of its own with a process left running in a lab namespace; the script
    // prints the namespaces' inodes (the sandbox's and the lab's) and waits to be killed.
    const file = script(`
      const lab = await topo.up({ file: ${JSON.stringify(example('two-namespaces.yaml'))} }, { sandbox: true });
      void lab.exec('ns1', ['sleep', '1000']);
      const ns = await lab.exec('ns1', ['readlink', '/proc/self/ns/net']);
      const { readlinkSync } = await import('node:fs');
      out.inodes = [readlinkSync('/proc/' + lab.pid + '/ns/net'), readlinkSync('/proc/' + lab.pid + '/ns/mnt'), ns.stdout.trim()];
      process.stdout.write(JSON.stringify(out) + '\\n');
      await new Promise(() => setInterval(() => undefined, 1000));`);
    const child = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', process.execPath, file],
      { reject: false, buffer: false, stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { text += d.toString(); if (text.includes('\n')) resolve(); });
      child.once('exit', (code) => reject(new Error(`the script exited (${code}) early: ${text}`)));
    });
    const inodes = (JSON.parse(text.split('\n')[0]!).inodes as string[]).map((s) => Number(/\[(\d+)\]/.exec(s)![1]));
    expect(inodes).toHaveLength(3);
    expect(holders(inodes).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    const left = await leftAfterKill(inodes);
    child.stdout!.destroy();
    await child.catch(() => undefined);
    expect(left).toEqual([]);
    expect(await outerState()).toEqual(before);
  });
});


// Processes (`run:`) against a real machine, in the sandbox: a process runs in its namespace (/proc/<pid>/ns/net is
// the namespace's, `ip netns identify`), its port answers, its log holds its output (0600 in a 0700 folder);
// re-apply leaves it (same pid), a changed spec restarts it (new pid), kill -9 is drift that apply repairs, removed
// from the file it is stopped, destroy leaves none; a process started by hand in a lab namespace (a decoy) is never
// signalled and stops destroy, named; a missing command and a ready check that never passes fail the apply with the
// process's name (and its log's last lines), rolled back with nothing left running.
// The processes live in the sandbox's namespaces but not under it (they are no children of the sandbox's process):
// each test's lab has a name of its own, and afterEach kills, by pid, every process still carrying that name's
// marker, so nothing outlives the test.
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { tcpConnect } from '../helpers/tcp.js';
import { scratchDir } from '../helpers/scratch.js';
import { alive, killMarked, marked } from '../helpers/lab-procs.js';

let sb: Sandbox, lab: string, n = 0;
beforeEach(async () => { sb = await Sandbox.create(); lab = `procs-${process.pid}-${++n}`; });
afterEach(async () => { killMarked(lab); await sb.close(); });

const pidOf = (run: string) => { const ps = marked(lab).filter((p) => p.run === run); expect(ps.length, `processes ${run}`).toBe(1); return ps[0].pid; };

/** A node server on `port` that writes "hello from <who>" to each connection and closes it; says so on stdout. */
const server = (port: number, who: string) => ({
  cmd: [process.execPath, '-e', `require('net').createServer((s) => s.end('hello from ${who}')).listen(${port}, () => console.log('listening on ${port}'))`],
  ready: { tcp: port, timeout: '10s' },
});

function labFile(run: Record<string, unknown>, extra = ''): string {
  const dir = scratchDir('topo-procs-');
  const f = join(dir, 'lab.yaml');
  writeFileSync(f, `${JSON.stringify({
    name: lab,
    namespaces: { srv: { run }, cli: {} },
    veths: [{ ends: [{ name: 'eth0', namespace: 'srv', addresses: ['10.9.0.1/24'] }, { name: 'eth0', namespace: 'cli', addresses: ['10.9.0.2/24'] }] }],
  }, null, 1)}\n${extra}`);
  return f;
}

const apply = async (f: string) => {
  const r = await sb.topo(['apply', f]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  expect(withoutProgress(r.stderr)).toBe('');
  return r;
};
const planExit = async (f: string) => (await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode;
const nsInode = async (ns: string) => Number((await sb.run(['stat', '-L', '-c', '%i', `/run/netns/${ns}`])).stdout.trim());

describe('processes (run:)', () => {
  it('runs in its namespace, answers, logs; re-apply keeps it, a change restarts it, kill -9 is drift, removal stops it, destroy leaves none', async () => {
    const f = labFile({ web: server(8080, 'web'), idle: { cmd: 'echo idle started; exec sleep 1000', after: ['web'] } });
    await apply(f);
    const web = pidOf('web');
    // The right namespace: the kernel's identity of its network namespace is srv's.
    expect(Number(/net:\[(\d+)\]/.exec(readlinkSync(`/proc/${web}/ns/net`))![1])).toBe(await nsInode('srv'));
    expect((await sb.run(['ip', 'netns', 'identify', String(web)])).stdout.trim()).toBe('srv');
    expect(await tcpConnect(sb, 'cli', '10.9.0.1', 8080)).toEqual({ result: 'open', reply: 'hello from web' });
    // Logs: stdout in <state dir>/logs/<lab>/<name>.log, 0600 in a 0700 folder.
    expect((await sb.run(['cat', `/run/topo/logs/${lab}/web.log`])).stdout).toBe('listening on 8080');
    expect((await sb.run(['cat', `/run/topo/logs/${lab}/idle.log`])).stdout).toBe('idle started');
    expect((await sb.run(['stat', '-c', '%a', `/run/topo/logs/${lab}`, `/run/topo/logs/${lab}/web.log`])).stdout.split('\n')).toEqual(['700', '600']);
    // topo ps and topo logs.
    const ps = JSON.parse((await sb.topo(['ps', f, '--json'])).stdout);
    expect(ps.processes).toMatchObject([{ name: 'web', namespace: 'srv', pid: web, status: 'running', ready: true, pids: [web] },
      { name: 'idle', namespace: 'srv', status: 'running', ready: true }]);
    expect((await sb.topo(['logs', f, 'web'])).stdout).toBe('listening on 8080'); // the runner strips the last newline
    expect((await sb.topo(['logs', f])).stdout.split('\n').sort()).toEqual(['idle | idle started', 'web | listening on 8080']);
    const unknown = await sb.topo(['logs', f, 'wbe']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toContain('"wbe" is no process of lab');
    expect(unknown.stderr).toContain('did you mean "web"?');
    const show = await sb.topo(['show', f]);
    expect(show.stdout).toMatch(new RegExp(`process +web \\(pid ${web}: `));

    // Re-apply: nothing planned, the same process.
    expect(await planExit(f)).toBe(0);
    await apply(f);
    expect(pidOf('web')).toBe(web);

    // A changed spec (its environment) restarts it; the other is left alone.
    const idle = pidOf('idle');
    const changed = labFile({ web: { ...server(8080, 'web'), env: { COLOR: 'blue' } }, idle: { cmd: 'echo idle started; exec sleep 1000', after: ['web'] } });
    expect(await planExit(changed)).toBe(2);
    await apply(changed);
    const web2 = pidOf('web');
    expect(web2).not.toBe(web);
    expect(alive(web)).toBe(false);
    expect(pidOf('idle')).toBe(idle);
    expect(readFileSync(`/proc/${web2}/environ`, 'utf8').split('\0')).toContain('COLOR=blue');

    // kill -9: drift, started again by apply.
    process.kill(web2, 'SIGKILL');
    for (let i = 0; i < 50 && alive(web2); i++) await new Promise((r) => setTimeout(r, 20));
    const drift = await sb.topo(['plan', changed, '--detailed-exitcode']);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('+ process web');
    await apply(changed);
    const web3 = pidOf('web');
    expect(web3).not.toBe(web2);
    expect(await tcpConnect(sb, 'cli', '10.9.0.1', 8080)).toEqual({ result: 'open', reply: 'hello from web' });

    // Removed from the file: stopped.
    const fewer = labFile({ web: { ...server(8080, 'web'), env: { COLOR: 'blue' } } });
    await apply(fewer);
    expect(alive(idle)).toBe(false);
    expect(pidOf('web')).toBe(web3);
    expect(await planExit(fewer)).toBe(0);

    // Destroy: every process of the lab stopped, nothing left.
    const d = await sb.topo(['destroy', fewer]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    expect(marked(lab)).toEqual([]);
    expect(await sb.netns()).toEqual([]);
    expect(JSON.parse((await sb.topo(['ps', fewer, '--json'])).stdout).processes).toMatchObject([{ name: 'web', status: 'exited', pids: [] }]);
  });

  it('a process started by hand in a lab namespace is never signalled: destroy stops the lab\'s, leaves it and says so', async () => {
    const f = labFile({ web: server(8080, 'web') });
    await apply(f);
    const web = pidOf('web');
    const started = await sb.sh('ip netns exec srv sleep 1000 >/dev/null 2>&1 & echo $!');
    const decoy = Number(started.stdout.trim());
    try {
      expect(alive(decoy)).toBe(true);
      const plan = await sb.topo(['plan', f, '--detailed-exitcode']);
      expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0); // not the lab's, not in the way of an apply
      const d = await sb.topo(['destroy', f]);
      expect(d.exitCode, d.stdout + d.stderr).toBe(0);
      expect(withoutProgress(d.stderr)).toBe(`warning: process ${decoy} (sleep 1000) in srv is not lab "${lab}"'s: left running, never signalled`
        + ' (the namespace\'s name is deleted; its network lives on as long as the process does)');
      expect(alive(decoy)).toBe(true);
      expect(alive(web)).toBe(false);
      expect(marked(lab)).toEqual([]);
      expect(await sb.netns()).toEqual([]);
    } finally {
      process.kill(decoy, 'SIGKILL');
    }
  });

  it('a process that forks into the background (its own session) is found through the marker and stopped', async () => {
    const f = labFile({ daemon: { cmd: 'setsid sleep 1001 </dev/null >/dev/null 2>&1 & echo forked; exec sleep 1000' } });
    await apply(f);
    const ps = marked(lab).filter((p) => p.run === 'daemon');
    expect(ps).toHaveLength(2);
    const ours = JSON.parse((await sb.topo(['ps', f, '--json'])).stdout).processes[0];
    expect(ours.pids.sort()).toEqual(ps.map((p) => p.pid).sort());
    expect(await planExit(f)).toBe(0);
    const d = await sb.topo(['destroy', f]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    for (const p of ps) expect(alive(p.pid)).toBe(false);
    expect(marked(lab)).toEqual([]);
  });

  it('a command that does not exist fails the apply naming the process; rolled back', async () => {
    const f = labFile({ ghost: { cmd: ['no-such-command-xyz', '--serve'] } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('process ghost in srv: command "no-such-command-xyz" not found in PATH');
    expect(await sb.netns()).toEqual([]);
    expect(marked(lab)).toEqual([]);
  });

  it('a process that exits at once fails the apply with its last log lines; rolled back', async () => {
    const f = labFile({ quick: { cmd: 'echo going away; exit 3' } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('process quick in srv: exited with status 3 right after it started');
    expect(r.stderr).toContain('going away');
    expect(await sb.netns()).toEqual([]);
  });

  it('a ready check that never passes fails the apply with the last log lines; stopped and rolled back', async () => {
    const f = labFile({ web: server(8080, 'web'), slow: { cmd: 'echo starting slowly; exec sleep 1000', after: ['web'], ready: { tcp: 81, timeout: 1 } } });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('process slow in srv: not ready after 1s (nothing listening on TCP port 81)');
    expect(r.stderr).toContain('starting slowly');
    expect(marked(lab)).toEqual([]); // web, started before it, stopped by the rollback
    expect(await sb.netns()).toEqual([]);
  });
});

// Processes run as another user (`user:`, `group:`) and in a clean environment, against a real machine in the
// sandbox: /proc/<pid>/status shows the user's uid and gid and its supplementary groups, /proc/<pid>/ns/net is the
// lab namespace's, its log (opened by topo, 0600 root's) holds what it wrote; /proc/<pid>/environ is PATH, HOME,
// USER, LOGNAME, LANG, the spec's env and the markers, nothing else of topo's; an unknown user is refused by
// validation with its line and column, nothing done.
// Users made for a test are added to the sandbox's /etc (an overlay on its private /run: the machine's /etc is
// untouched); topo inside the sandbox reads that /etc.
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';
import { scratchDir } from '../helpers/scratch.js';
import { alive, environ, killMarked, marked, statusField, until } from '../helpers/lab-procs.js';

let sb: Sandbox, lab: string, n = 0;
beforeEach(async () => { sb = await Sandbox.create(); lab = `procu-${process.pid}-${++n}`; });
afterEach(async () => { killMarked(lab); await sb.close(); });

function labFile(run: Record<string, unknown>): string {
  const f = join(scratchDir('topo-procu-'), 'lab.yaml');
  writeFileSync(f, `${JSON.stringify({ name: lab, namespaces: { srv: { run } } }, null, 1)}\n`);
  return f;
}
const pidOf = (run: string) => { const ps = marked(lab).filter((p) => p.run === run); expect(ps.length, `processes ${run}`).toBe(1); return ps[0].pid; };
const nsInode = async (ns: string) => Number((await sb.run(['stat', '-L', '-c', '%i', `/run/netns/${ns}`])).stdout.trim());
const netOf = (pid: number) => Number(/net:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`))![1]);

describe('processes: user, group, environment', () => {
  it('runs as nobody, and as a user with supplementary groups, in the lab namespace; HOME/USER/LOGNAME are the user\'s; the log is written', async () => {
    const added = await sb.sh('echo "topotest:x:4242:4242:topo test:/home/topotest:/bin/sh" >> /etc/passwd; '
      + 'echo "topotest:x:4242:" >> /etc/group; echo "topoextra:x:4343:topotest" >> /etc/group; echo "topoother:x:4444:" >> /etc/group');
    expect(added.exitCode, added.stderr).toBe(0);
    const f = labFile({
      low: { cmd: 'echo "I am $(id -un)"; exec sleep 1000', user: 'nobody' },
      grp: { cmd: ['sleep', '1001'], user: 'topotest' },
      other: { cmd: ['sleep', '1002'], user: 4242, group: 'topoother' },
      bare: { cmd: ['sleep', '1003'], user: 5151 },
    });
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(withoutProgress(r.stderr)).toBe('');
    const ino = await nsInode('srv');
    const low = pidOf('low');
    expect(statusField(low, 'Uid')).toEqual(['65534', '65534', '65534', '65534']);
    expect(statusField(low, 'Gid')).toEqual(['65534', '65534', '65534', '65534']);
    expect(netOf(low)).toBe(ino);
    expect(environ(low)).toMatchObject({ HOME: '/nonexistent', USER: 'nobody', LOGNAME: 'nobody' });
    expect((await sb.run(['cat', `/run/topo/logs/${lab}/low.log`])).stdout).toBe('I am nobody');
    expect((await sb.run(['stat', '-c', '%U %a', `/run/topo/logs/${lab}/low.log`])).stdout).toBe('root 600');
    // --init-groups: the user's groups from /etc/group (its own and topoextra).
    const grp = pidOf('grp');
    expect(statusField(grp, 'Uid')).toEqual(['4242', '4242', '4242', '4242']);
    expect(statusField(grp, 'Gid')).toEqual(['4242', '4242', '4242', '4242']);
    expect(statusField(grp, 'Groups').sort()).toEqual(['4242', '4343']);
    expect(environ(grp)).toMatchObject({ HOME: '/home/topotest', USER: 'topotest', LOGNAME: 'topotest' });
    expect(netOf(grp)).toBe(ino);
    // A uid, and a group of its own: that gid, and the user's groups as login makes them (its passwd group too).
    const other = pidOf('other');
    expect(statusField(other, 'Uid')[0]).toBe('4242');
    expect(statusField(other, 'Gid')).toEqual(['4444', '4444', '4444', '4444']);
    expect(statusField(other, 'Groups').sort()).toEqual(['4242', '4343']);
    // A uid /etc/passwd doesn't name: that uid and gid, no supplementary groups, HOME=/.
    const bare = pidOf('bare');
    expect(statusField(bare, 'Uid')[0]).toBe('5151');
    expect(statusField(bare, 'Gid')[0]).toBe('5151');
    expect(statusField(bare, 'Groups')).toEqual([]);
    expect(environ(bare)).toMatchObject({ HOME: '/', USER: '5151' });
    // Stopped like any other.
    const d = await sb.topo(['destroy', f]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    for (const p of [low, grp, other, bare]) expect(alive(p)).toBe(false);
    expect(marked(lab)).toEqual([]);
  });

  it('plan --format sh starts it as topo does: a clean environment, as the user, in the restart loop, in the namespace; topo then owns it', async () => {
    const f = labFile({ low: { cmd: ['sleep', '1000'], user: 'nobody', restart: 'on-failure', env: { COLOR: 'blue' } } });
    const plan = await sb.topo(['plan', f, '--format', 'sh']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    // The process keeps the script's output open: the script's output goes to /dev/null.
    const ran = await sb.run(['sh', '-c', 'sh -s >/dev/null 2>&1'], { input: plan.stdout });
    expect(ran.exitCode, ran.stderr).toBe(0);
    // The loop, then the command: sh, which execs setpriv, which execs sleep (wait for that last one).
    const isSleep = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0'); } catch { return false; } };
    expect(await until(() => marked(lab).some((p) => isSleep(p.pid)))).toBe(true);
    const procs = marked(lab);
    expect(procs).toHaveLength(2);
    const cmd = procs.find((p) => isSleep(p.pid))!.pid;
    expect(statusField(cmd, 'Uid')).toEqual(['65534', '65534', '65534', '65534']);
    expect(statusField(cmd, 'Gid')).toEqual(['65534', '65534', '65534', '65534']);
    expect(netOf(cmd)).toBe(await nsInode('srv'));
    // A script can't look HOME and USER up as topo does; PWD is the restart loop's shell's (sh exports it).
    expect(Object.keys(environ(cmd)).sort()).toEqual(['COLOR', 'PATH', 'PWD', 'TOPO_LAB', 'TOPO_RUN', 'TOPO_SPEC']);
    expect((await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode).toBe(0);
    const d = await sb.topo(['destroy', f]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    expect(marked(lab)).toEqual([]);
  });

  it('an unknown user or group is refused with its line and column; nothing is created', async () => {
    const f = join(scratchDir('topo-procu-'), 'lab.yaml');
    writeFileSync(f, `name: ${lab}\nnamespaces:\n  srv:\n    run:\n      web:\n        cmd: sleep 100\n        user: nobdy\n        group: nogrup\n`);
    const r = await sb.topo(['apply', f]);
    expect(r.exitCode).toBe(65);
    expect(r.stderr).toContain(`${f}:7:15: error: user "nobdy" is not in this machine's /etc/passwd (did you mean "nobody"?)`);
    expect(r.stderr).toContain(`${f}:8:16: error: group "nogrup" is not in this machine's /etc/group (did you mean "nogroup"?)`);
    expect(await sb.netns()).toEqual([]);
  });

  it('the environment is clean: PATH, HOME, USER, LOGNAME, LANG, env and the markers; none of topo\'s own', async () => {
    const f = labFile({ env: { cmd: ['sleep', '1000'], env: { COLOR: 'blue', PATH: '/usr/bin:/bin' } }, plain: { cmd: ['sleep', '1001'] } });
    const r = await sb.topo(['apply', f], { TERM: 'xterm-256color', LANG: 'C.UTF-8', SECRET_TOKEN: 'x', PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const env = environ(pidOf('env'));
    expect(Object.keys(env).sort()).toEqual(['COLOR', 'HOME', 'LANG', 'LOGNAME', 'PATH', 'TOPO_LAB', 'TOPO_RUN', 'TOPO_SPEC', 'USER']);
    expect(env).toMatchObject({ COLOR: 'blue', PATH: '/usr/bin:/bin', HOME: '/root', USER: 'root', LOGNAME: 'root', LANG: 'C.UTF-8', TOPO_LAB: lab, TOPO_RUN: 'env' });
    const plain = environ(pidOf('plain'));
    expect(Object.keys(plain).sort()).toEqual(['HOME', 'LANG', 'LOGNAME', 'PATH', 'TOPO_LAB', 'TOPO_RUN', 'TOPO_SPEC', 'USER']);
    expect(plain.PATH).toBe('/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'); // topo's
  });
});

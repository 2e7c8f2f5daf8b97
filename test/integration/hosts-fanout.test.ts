// The fan-out (src/remote/): seed 002 (examples/two-nodes-ssh.yaml) driven from the controller by ONE
// `topo apply FILE` over real SSH to two simulated hosts (test/helpers/hosts.ts). The test's copy of the example
// adds each host's `topo:` (this checkout's bin/topo.js); `--ssh-config` hands ssh this run's key and known_hosts.
// Every host's kernel state is read back over ssh: pings across hosts, `topo test FILE`, a re-apply that changes
// nothing, exec on a host, destroy leaving each host as it was; a failure on node2 rolling node1 back (to its
// previous file, and to nothing); kill -9 of the controller mid-apply, then an apply that converges; an
// unreachable host refused before anything changes.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../helpers/sandbox.js';
import { SimHosts } from '../helpers/hosts.js';

const NODES = [{ name: 'node1', address: '192.168.1.5', subnet: '172.16.0' }, { name: 'node2', address: '192.168.1.6', subnet: '172.16.1' }];
const SEED = readFileSync(example('two-nodes-ssh.yaml'), 'utf8');

/** The seed with each host's `topo:` (node: this host's command instead) and `edit` applied to its text. */
function variant(sim: SimHosts, name: string, o: { topo?: Record<string, string>; edit?: (t: string) => string } = {}): string {
  let text = o.edit ? o.edit(SEED) : SEED;
  for (const n of NODES) {
    text = text.replace(`underlay: ${n.address} }`, `underlay: ${n.address}, topo: ${JSON.stringify(o.topo?.[n.name] ?? SimHosts.TOPO_COMMAND)} }`);
  }
  const file = join(sim.dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

interface Link { ifname: string; master?: string; ifalias?: string; addr_info?: { local: string; prefixlen: number; scope: string }[] }

/** A host's kernel state, read over ssh: namespaces, root links, root and NS2 routes, nft tables. */
async function state(sim: SimHosts, host: string) {
  const netns = (await sim.ipJson<{ name: string }[]>(host, 'netns', 'list')).map((n) => n.name).sort();
  const links = (await sim.ipJson<Link[]>(host, 'addr', 'show')).map((l) => `${l.ifname} ${l.master ?? '-'} ${(l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`).join(',')}`).sort();
  const routes = (await sim.ipJson<{ dst: string; gateway?: string; dev: string }[]>(host, 'route', 'show')).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev}`).sort();
  const ns2 = netns.includes('NS2') ? (await sim.ipJson<{ dst: string; gateway?: string }[]>(host, '-n', 'NS2', 'route', 'show')).map((r) => `${r.dst} ${r.gateway ?? '-'}`).sort() : [];
  const tables = (await sim.ssh(host, ['nft', 'list', 'tables'])).stdout.trim();
  return { netns, links, routes, ns2, tables };
}
const states = async (sim: SimHosts) => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n.name, await state(sim, n.name)] as const)));

describe('seed 002 driven from the controller: one topo apply over ssh to every host', () => {
  let sim: SimHosts;
  let file: string;
  let before: Record<string, Awaited<ReturnType<typeof state>>>;
  let applied: Record<string, Awaited<ReturnType<typeof state>>>;
  const topo = (args: string[], input?: string) => sim.controllerTopo([...args, '--ssh-config', sim.sshConfig], input);
  beforeAll(async () => {
    sim = await SimHosts.create(NODES.map(({ name, address }) => ({ name, address })), '192.168.1.2');
    file = variant(sim, 'seed');
    before = await states(sim);
  });
  afterAll(async () => {
    if (sim) writeFileSync(join(sim.dir, 'gate.go'), ''); // a held command of the kill -9 test never waits past the test
    await sim?.close();
  });

  it('a bad file on standard input is refused at its line:col (<stdin>) before any host is reached', async () => {
    const bad = readFileSync(file, 'utf8').replace('veth11, namespace: NS1@node2', 'veth11, namespace: NS1@node3');
    const r = await sim.controllerTopo(['apply', '-', '--ssh-config', sim.sshConfig], bad);
    expect(r.exitCode).toBe(65);
    expect(r.stderr).toMatch(/^<stdin>:\d+:\d+: error: .*node3/);
    expect(await states(sim)).toEqual(before);
  });

  it('plan prints one plan grouped by host, and changes nothing', async () => {
    const r = await topo(['plan', file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^host node1 \(lab two-nodes-ssh\.node1\): \d+ to create, 1 to change, 0 to delete\n {2}namespace host@node1:\n/);
    expect(r.stdout).toMatch(/\nhost node2 \(lab two-nodes-ssh\.node2\): \d+ to create/);
    expect(r.stdout).toMatch(/namespace NS1@node2:/);
    expect(r.stdout).toMatch(/\nPlan: \d+ to create, 2 to change, 0 to delete, on 2 host\(s\)\.$/);
    const json = JSON.parse((await topo(['plan', file, '--json'])).stdout);
    expect(json).toMatchObject({ format_version: 1, ok: true, lab: 'two-nodes-ssh', hosts: { node1: { lab: 'two-nodes-ssh.node1' }, node2: { lab: 'two-nodes-ssh.node2' } } });
    expect(await states(sim)).toEqual(before);
  });

  it('apply FILE applies every host; each host read back over ssh has its part', async () => {
    const r = await topo(['apply', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, lab: 'two-nodes-ssh', changed: true,
      hosts: { node1: { ok: true, lab: 'two-nodes-ssh.node1', changed: true }, node2: { ok: true, lab: 'two-nodes-ssh.node2', changed: true } } });
    applied = await states(sim);
    for (const n of NODES) {
      const other = NODES.find((x) => x !== n)!;
      expect(applied[n.name].netns).toEqual(['NS1', 'NS2']);
      expect(applied[n.name].links).toEqual([`br0 - ${n.subnet}.1/24`, `eth0 - ${n.address}/24`, 'lo - 127.0.0.1/8,::1/128', 'veth10 br0 ', 'veth20 br0 ']);
      expect(applied[n.name].routes).toContain(`${other.subnet}.0/24 ${other.address} eth0`);
      expect(applied[n.name].tables).toBe(`table inet topo-two-nodes-ssh.${n.name}`);
      // The host kept the file it was given on stdin: its record names the copy.
      const rec = JSON.parse((await sim.ssh(n.name, ['cat', `/run/topo/two-nodes-ssh.${n.name}.json`])).stdout) as { file: string };
      expect(rec.file).toMatch(new RegExp(`^/run/topo/files/two-nodes-ssh\\.${n.name}\\.[0-9a-f]{16}\\.yaml$`));
      expect((await sim.ssh(n.name, ['cat', rec.file])).stdout).toBe(readFileSync(file, 'utf8').replace(/\n$/, ''));
    }
  });

  it('NS1 on node1 pings NS1 on node2 across the underlay, and back', async () => {
    expect((await sim.ssh('node1', ['ip', 'netns', 'exec', 'NS1', 'ping', '-n', '-q', '-c', '1', '-W', '2', '172.16.1.2'])).stdout).toMatch(/1 received/);
    expect((await sim.ssh('node2', ['ip', 'netns', 'exec', 'NS1', 'ping', '-n', '-q', '-c', '1', '-W', '2', '172.16.0.2'])).stdout).toMatch(/1 received/);
  });

  it('topo test FILE runs every host\'s tests: one table, green', async () => {
    const r = await topo(['test', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ +FROM +TARGET/);
    expect(r.stdout).toMatch(/\nok +NS1@node1 +172\.16\.1\.2 +reachable +reachable/);
    expect(r.stdout).toMatch(/All 4 test\(s\) hold, on 2 host\(s\)\.$/);
    const json = JSON.parse((await topo(['test', file, '--json'])).stdout);
    expect(json).toMatchObject({ ok: true, hosts: { node1: { ok: true, passed: 2 }, node2: { ok: true, passed: 2 } } });
  });

  it('a second apply changes nothing on any host', async () => {
    const r = await topo(['apply', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/No changes\. Lab "two-nodes-ssh" already matches .* on every host:\n {2}node1: no changes\n {2}node2: no changes$/);
    expect(await states(sim)).toEqual(applied);
  });

  it('show --json gives every host\'s show; exec runs on the host named, exit code passed through', async () => {
    const sh = await topo(['show', file]);
    expect(sh.stdout).toMatch(/^host node1 \(lab two-nodes-ssh\.node1\):\n {2}lab two-nodes-ssh\.node1\n[\s\S]*\nhost node2 \(lab two-nodes-ssh\.node2\):\n/);
    const show = JSON.parse((await topo(['show', file, '--json'])).stdout);
    expect(show).toMatchObject({ ok: true, hosts: { node1: { ok: true }, node2: { ok: true } } });
    const exec = (ns: string, cmd: string[]) => sim.controllerTopo(['exec', file, ns, '--ssh-config', sim.sshConfig, '--', ...cmd]);
    const ip = await exec('NS1@node2', ['ip', '-json', 'addr', 'show', 'dev', 'veth11']);
    expect(ip.exitCode).toBe(0);
    expect((JSON.parse(ip.stdout) as Link[])[0]!.addr_info!.map((a) => a.local)).toContain('172.16.1.2');
    expect((await exec('NS2@node1', ['sh', '-c', 'exit 3'])).exitCode).toBe(3);
  });

  it('a failure on node2 re-applies on node1 the file it had before; destroy leaves every host as it was', async () => {
    const edit = (t: string) => t.replace(/(NS2@node\d: \{ routes: \[\{ to: default, via: (172\.16\.\d\.1) \})/g, '$1, { to: 10.9.0.0/16, via: $2 }');
    const broken = variant(sim, 'broken', { edit, topo: { node2: `env TOPO_FAIL_COMMAND=10.9.0.0/16 ${SimHosts.TOPO_COMMAND}` } });
    const r = await topo(['apply', broken]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: apply failed: host node2: .*injected failure \(TOPO_FAIL_COMMAND=10\.9\.0\.0\/16\)[\s\S]*\nacross hosts: node1 rolled back: re-applied \/run\/topo\/files\/two-nodes-ssh\.node1\.[0-9a-f]{16}\.yaml/);
    expect(await states(sim)).toEqual(applied);
    const d = await topo(['destroy', file, '--json']);
    expect(d.exitCode).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ ok: true, changed: true, hosts: { node1: { changed: true }, node2: { changed: true } } });
    expect(await states(sim)).toEqual(before);
  });

  it('a failure on node2 of a new lab destroys node1\'s part again: every host as it was', async () => {
    const broken = variant(sim, 'broken-new', { topo: { node2: `env TOPO_FAIL_COMMAND=veth21 ${SimHosts.TOPO_COMMAND}` } });
    const r = await topo(['apply', broken, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, error: { hosts: { node2: { code: 'E_COMMAND' } }, rollback: [{ host: 'node1', action: 'destroy', ok: true }, { host: 'node2', action: 'none' }] } });
    expect(await states(sim)).toEqual(before);
  });

  it('an unreachable host: the error names it and its ssh command, and nothing changed on the other', async () => {
    const away = variant(sim, 'away', { edit: (t) => t.replace('ssh: root@192.168.1.6', 'ssh: root@192.168.1.9') });
    const r = await topo(['apply', away, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('E_HOST_UNREACHABLE');
    expect(doc.error.message).toMatch(/^preflight failed \(nothing was changed on any host\): host node2: ssh failed: .*192\.168\.1\.9/);
    expect(doc.error.hosts.node2.command).toMatch(/^ssh .* -- root@192\.168\.1\.9$/);
    expect(await states(sim)).toEqual(before);
  });

  it('a `local: true` machine is the controller itself: its part applied there without ssh, the other over ssh', async () => {
    const local = variant(sim, 'local', { edit: (t) => t.replace('node1: { ssh: root@192.168.1.5, underlay: 192.168.1.5 }', 'node1: { local: true, underlay: 192.168.1.2 }')
      .replace('via: 192.168.1.5', 'via: 192.168.1.2') });
    const ctlBefore = await sim.controller.snapshot();
    const r = await topo(['apply', local, '--test', '--json']);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, hosts: { node1: { changed: true }, node2: { changed: true } }, tests: { ok: true } });
    expect(await sim.controller.netns()).toEqual(['NS1', 'NS2']);
    expect((await sim.controller.ipJson<{ ifalias?: string }[]>('host', 'link', 'show', 'dev', 'br0'))[0]!.ifalias).toBe('topo:two-nodes-ssh.node1');
    expect((await state(sim, 'node2')).netns).toEqual(['NS1', 'NS2']);
    expect(await sim.controller.ping('NS1', '172.16.1.2')).toBe(true);
    expect((await topo(['destroy', local])).exitCode).toBe(0);
    expect(await sim.controller.snapshot()).toEqual(ctlBefore);
    expect(await state(sim, 'node2')).toEqual(before.node2);
  });

  it('kill -9 of the controller mid-apply; the next apply converges; destroy cleans every host', async () => {
    // node2's topo apply is held (once) before it starts, until the test lets it go: node1 applies, node2 waits.
    const gate = join(sim.dir, 'gate');
    writeFileSync(`${gate}.sh`, `if [ "$1" = apply ] && [ ! -e ${gate}.held ]; then\n  touch ${gate}.held; while [ ! -e ${gate}.go ]; do sleep 0.1; done\n`
      + `  ${SimHosts.TOPO_COMMAND} "$@"; rc=$?; touch ${gate}.done; exit $rc\nfi\nexec ${SimHosts.TOPO_COMMAND} "$@"\n`);
    const held = variant(sim, 'held', { topo: { node2: `sh ${gate}.sh` } });
    mkdirSync(join(sim.dir, 'tmp'));
    const ctl = sim.controllerSpawn(['apply', held, '--ssh-config', sim.sshConfig], { TMPDIR: join(sim.dir, 'tmp') });
    for (let i = 0; i < 600 && !(existsSync(`${gate}.held`) && (await sim.ssh('node1', ['test', '-e', '/run/topo/two-nodes-ssh.node1.json'])).exitCode === 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`${gate}.held`)).toBe(true);
    // node1 applied (its record written), node2 not started: the controller dies.
    ctl.kill('SIGKILL');
    expect((await ctl).signal).toBe('SIGKILL');
    // Its shared ssh connections outlive it (ControlPersist): closed here, through its private folder.
    for (const d of readdirSync(join(sim.dir, 'tmp')).filter((x) => x.startsWith('topo-ssh-'))) {
      for (const n of NODES) await sim.controller.run(['ssh', '-F', sim.sshConfig, '-o', `ControlPath=${join(sim.dir, 'tmp', d)}/%C`, '-O', 'exit', `root@${n.address}`]);
    }
    expect((await state(sim, 'node2')).netns).toEqual([]);
    const r = await topo(['apply', held, '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, hosts: { node1: { changed: false }, node2: { changed: true } } });
    expect(await states(sim)).toEqual(applied);
    // The dead controller's node2 command, let go, finds nothing to do.
    writeFileSync(`${gate}.go`, '');
    for (let i = 0; i < 600 && !existsSync(`${gate}.done`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await states(sim)).toEqual(applied);
    expect((await topo(['destroy', held])).exitCode).toBe(0);
    expect(await states(sim)).toEqual(before);
  });
});

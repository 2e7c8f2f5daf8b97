// `topo ls`, `topo destroy --lab` / `--all` and destroy's plan-first, against real kernel state in the sandbox.
// Labs are found from their records and from the kernel's marks (a lab whose record is gone still shows); an
// unmarked namespace and an unmarked link in the host namespace are never a lab's, never listed, never removed.
// The cost is counted in processes topo starts ($TOPO_TRACE_FILE), not in time.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { example, Sandbox, TOPO } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';
import { stateFiles } from '../helpers/reference.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const ok = async (args: string[]) => {
  const r = await sb.topo(args);
  expect(r.exitCode, `topo ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r;
};
const ls = async () => JSON.parse((await ok(['ls', '--json'])).stdout).labs as any[];
const row = (rows: any[], name: string) => rows.find((r) => r.name === name);
/** Two-namespace lab `name` (namespaces <name>a, <name>b), written to a file of its own. */
function twoNs(dir: string, name: string, i: number): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, `name: ${name}\nnamespaces:\n  ${name}a: {}\n  ${name}b: {}\nveths:\n  - ends:\n`
    + `      - { name: v1, namespace: ${name}a, addresses: [10.${i}.0.1/24] }\n      - { name: v2, namespace: ${name}b, addresses: [10.${i}.0.2/24] }\n`);
  return f;
}
const UNMARKED = 'ip netns add stranger && ip link add stray0 type veth peer name stray1';
const strangers = async () => ({
  netns: (await sb.netns()).filter((n) => n === 'stranger'),
  links: (await sb.ipJson<{ ifname: string }[]>('host', 'link', 'show')).map((l) => l.ifname).filter((n) => n.startsWith('stray')).sort(),
});

describe('topo ls', () => {
  it('every lab with its namespaces, objects, host changes and drift against the file it was applied from', async () => {
    const dir = scratchDir('topo-ls');
    const two = twoNs(dir, 'pair', 1);
    expect((await sb.sh(UNMARKED)).exitCode).toBe(0);
    expect((await ok(['ls'])).stdout).toBe('no labs on this machine');
    await ok(['apply', '-q', two]);
    await ok(['apply', '-q', example('bridge-node.yaml')]);

    let rows = await ls();
    expect(rows.map((r) => r.name)).toEqual(['bridge-node', 'pair']); // not the stranger
    expect(row(rows, 'pair')).toMatchObject({ record: 'ok', namespaces: ['paira', 'pairb'], interfaces: 2, processes: 0, host: [],
      file: { status: 'in-sync', path: two, drift: 0 } });
    expect(row(rows, 'bridge-node')).toMatchObject({ record: 'ok', namespaces: ['NS1', 'NS2'],
      host: ['interface br0', 'interface veth10', 'interface veth20', 'sysctl net.ipv4.ip_forward'],
      file: { status: 'in-sync', path: example('bridge-node.yaml') } });
    const text = (await ok(['ls'])).stdout;
    expect(text).toMatch(/^LAB +NAMESPACES +OBJECTS +PROCESSES +HOST +STATUS\n/);
    expect(text).toMatch(new RegExp(`\\npair +2 +\\d+ +0 +0 +in sync with ${two}\\n`));
    expect(text).toContain('bridge-node: in the host namespace: interface br0, interface veth10, interface veth20, sysctl net.ipv4.ip_forward');

    // A hand change is drift, as `topo show` would say.
    expect((await sb.run(['ip', '-n', 'paira', 'link', 'set', 'v1', 'down'])).exitCode).toBe(0);
    expect(row(await ls(), 'pair').file).toMatchObject({ status: 'drift', drift: 1 });

    // The file moved: said, never fatal; invalid: said with its place; another lab's: said.
    renameSync(two, `${two}.moved`);
    rows = await ls();
    expect(row(rows, 'pair').file).toMatchObject({ status: 'missing', path: two });
    expect(row(rows, 'pair').file.problem).toContain(`file not found: ${two} (moved or deleted?)`);
    expect(row(rows, 'pair').namespaces).toEqual(['paira', 'pairb']);
    writeFileSync(two, 'name: pair\nnamespaces:\n  paira: {}\nveths: 7\n');
    expect(row(await ls(), 'pair').file).toMatchObject({ status: 'invalid', problem: expect.stringMatching(new RegExp(`^${two}:4:\\d+: `)) });
    writeFileSync(two, 'name: other\nnamespaces:\n  x: {}\n');
    expect(row(await ls(), 'pair').file).toMatchObject({ status: 'other-lab' });
    expect((await ok(['ls'])).stdout).toContain('pair: ');

    // The record lost: the lab is still found, by its marks.
    await sb.run(['rm', '/run/topo/pair.json']);
    rows = await ls();
    expect(row(rows, 'pair')).toMatchObject({ record: 'none', namespaces: ['paira', 'pairb'], interfaces: 2, file: { status: 'unknown' } });
    expect((await ok(['ls'])).stdout).toMatch(/\npair +2 +4 +0 +0 +no record \(found by its marks\)\n/);
    // An unreadable record is said, not fatal.
    await sb.run(['sh', '-c', 'echo "{" > /run/topo/bridge-node.json']);
    expect(row(await ls(), 'bridge-node')).toMatchObject({ record: 'unreadable', recordProblem: expect.stringContaining('not valid JSON') });
  });

  it('10 labs (20 namespaces) are read once for all: a few processes, not a few per lab', async () => {
    const dir = scratchDir('topo-ls10');
    for (let i = 0; i < 10; i++) await ok(['apply', '-q', twoNs(dir, `l${i}`, i)]);
    const trace = '/run/ls-trace';
    const r = await sb.topo(['ls', '--json'], { TOPO_TRACE_FILE: trace });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).labs.map((x: any) => x.file.status)).toEqual(Array(10).fill('in-sync'));
    const argvs = (await sb.run(['cat', trace])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    // The namespaces listed (read from /run/netns by the netlink engine, an `ip` with the ip engine), the host read,
    // the 20 namespaces in grouped launchers (one per parallel slot at most) or in-process.
    expect(argvs.some((a) => a.join(' ') === 'ip -json netns list')).toBe(process.env.TOPO_ENGINE === 'ip');
    expect(argvs.filter((a) => a[0] === 'ip' && a.includes('-n'))).toEqual([]); // no `ip -n NS` per namespace
    expect(argvs.length).toBeLessThanOrEqual(2 + 8);
  });
});

describe('topo destroy --lab / --all', () => {
  it('--all removes every lab (one without a record too) and nothing unmarked', async () => {
    const dir = scratchDir('topo-all');
    expect((await sb.sh(UNMARKED)).exitCode).toBe(0);
    const before = await strangers();
    expect(before).toEqual({ netns: ['stranger'], links: ['stray0', 'stray1'] });
    await ok(['apply', '-q', twoNs(dir, 'pair', 1)]);
    await ok(['apply', '-q', example('bridge-node.yaml')]);
    await sb.run(['rm', '/run/topo/pair.json']); // found by its marks alone
    const r = await ok(['destroy', '--all', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, labs: [{ lab: 'bridge-node', changed: true }, { lab: 'pair', changed: true }], failed: [] });
    expect(await sb.netns()).toEqual(['stranger']);
    expect(await strangers()).toEqual(before);
    expect((await sb.ipJson<{ ifname: string }[]>('host', 'link', 'show')).map((l) => l.ifname).sort()).toEqual(['lo', 'stray0', 'stray1']);
    expect(await stateFiles(sb)).toEqual([]);
    expect(await ls()).toEqual([]);
    expect((await ok(['destroy', '--all'])).stdout).toBe('Nothing to destroy: no labs on this machine.');
  });

  it('--lab NAME destroys that lab without its file, and only it', async () => {
    const dir = scratchDir('topo-lab');
    await ok(['apply', '-q', twoNs(dir, 'one', 1)]);
    await ok(['apply', '-q', twoNs(dir, 'two', 2)]);
    const r = await ok(['destroy', '--lab', 'one']);
    expect(r.stdout).toMatch(/^Destroyed lab "one": \d+ object\(s\) removed/);
    expect(await sb.netns()).toEqual(['twoa', 'twob']);
    expect((await ok(['destroy', '--lab', 'one'])).stdout).toBe('Nothing to destroy: lab "one" owns nothing in the kernel.');
  });

  it.each([
    [['destroy'], 'destroy needs the lab: a file, --lab NAME, or --all'],
    [['destroy', example('two-namespaces.yaml'), '--lab', 'two-ns'], 'not a file and --lab'],
    [['destroy', '--all', '--lab', 'x'], 'not --lab and --all'],
    [['destroy', '--lab', 'Not A Lab'], 'is not a lab name'],
  ])('usage error (exit 64): topo %j', async (args, says) => {
    const r = await sb.topo(args);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain(says);
    expect(r.stderr).toContain('hint: topo destroy FILE | topo destroy --lab NAME | topo destroy --all');
  });
});

describe('destroy says what it will remove first', () => {
  /** topo's standard output and standard error merged, in the order written. */
  const merged = (args: string[]) => sb.run(['sh', '-c', '"$@" 2>&1', 'sh', process.execPath, TOPO, ...args]);

  it('host changes: the plan, before the first command runs; --quiet: the summary alone', async () => {
    await ok(['apply', '-q', example('bridge-node.yaml')]);
    const r = await merged(['destroy', example('bridge-node.yaml')]);
    expect(r.exitCode, r.stdout).toBe(0);
    const said = r.stdout.indexOf('Destroying lab "bridge-node" makes ');
    const plan = r.stdout.indexOf('namespace host (where topo runs):\n  - ');
    const progress = r.stdout.indexOf('remove interfaces');
    expect(said).toBe(0);
    expect(plan).toBeGreaterThan(said);
    expect(progress).toBeGreaterThan(r.stdout.indexOf('Plan: 0 to create, 0 to change,'));
    expect(r.stdout).toMatch(/Destroyed lab "bridge-node": \d+ object\(s\) removed/);
    await ok(['apply', '-q', example('bridge-node.yaml')]);
    const quiet = await merged(['destroy', '-q', example('bridge-node.yaml')]);
    expect(quiet.stdout).toMatch(/^Destroyed lab "bridge-node": \d+ object\(s\) removed in [\d.]+ s; verified nothing is left\.$/);
  });

  it('a lab with neither processes nor host changes: no plan printed', async () => {
    await ok(['apply', '-q', example('two-namespaces.yaml')]);
    const r = await ok(['destroy', example('two-namespaces.yaml')]);
    expect(r.stdout).toMatch(/^Destroyed lab "two-ns"/);
  });

  it('running processes: counted by ls, named in the plan destroy prints first', async () => {
    const lab = `lsp-${process.pid % 100000}`;
    const f = join(scratchDir('topo-lsp'), 'lab.yaml');
    writeFileSync(f, `${JSON.stringify({ name: lab, namespaces: { srv: { run: { web: {
      cmd: [process.execPath, '-e', "require('net').createServer((s) => s.end('hi')).listen(8000)"], ready: { tcp: 8000, timeout: '10s' } } } } } })}\n`);
    try {
      await ok(['apply', '-q', f]);
      expect(row(await ls(), lab)).toMatchObject({ processes: 1, namespaces: ['srv'] });
      const r = await ok(['destroy', f]);
      expect(r.stdout).toMatch(new RegExp(`^Destroying lab "${lab}" stops 1 running process\\(es\\):\\n`));
      expect(r.stdout).toContain('process web');
      expect(row(await ls(), lab)).toBeUndefined();
    } finally {
      killMarked(lab);
    }
  });
});

/** Kill, by pid, any process still carrying the lab's marker (nothing outlives the test). */
function killMarked(lab: string): void {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let env = '';
    try { env = readFileSync(`/proc/${d}/environ`, 'utf8'); } catch { continue; }
    if (env.split('\0').includes(`TOPO_LAB=${lab}`)) { try { process.kill(Number(d), 'SIGKILL'); } catch { /* gone */ } }
  }
}

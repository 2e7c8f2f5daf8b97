// Both engines read the same kernel the same way, through the CLI: labs applied with one engine are a no-op plan
// with the other (and with itself), in a sandbox; and topo copied where koffi is not installed applies, plans and
// destroys a lab through `ip` processes (the fallback), saying so in --version.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_FILES, ROOT, Sandbox, example } from '../helpers/sandbox.js';

let sb: Sandbox;
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const LABS = ['bridge-node.yaml', 'vxlan.yaml', 'neighbours.yaml', 'policy-routing.yaml', 'macvlan.yaml', 'bridge-options.yaml'];
const ENGINES = [['netlink', 'ip'], ['ip', 'netlink']] as const;

describe.each(ENGINES)('applied with %s, planned with %s', (applyWith, planWith) => {
  it.each(LABS)('%s: no changes, with either engine', async (lab) => {
    const applied = await sb.topo(['apply', example(lab)], { TOPO_ENGINE: applyWith });
    expect(applied.exitCode, applied.stderr).toBe(0);
    for (const engine of [planWith, applyWith]) {
      const plan = await sb.topo(['plan', example(lab), '--detailed-exitcode'], { TOPO_ENGINE: engine });
      expect(plan.exitCode, `${engine}: ${plan.stdout}${plan.stderr}`).toBe(0);
    }
  });
});

it('a file of /run/netns that is no namespace (another `ip netns add` half way: the file made, the namespace not yet mounted on it) is passed over in naming nsids, as ip does', async () => {
  const lab = example('two-nodes.yaml'); // its veths have peers in other namespaces: every read names nsids
  expect((await sb.topo(['apply', lab])).exitCode).toBe(0);
  expect((await sb.sh('touch /run/netns/half')).exitCode).toBe(0);
  for (const engine of ['netlink', 'ip']) {
    const plan = await sb.topo(['plan', lab, '--detailed-exitcode'], { TOPO_ENGINE: engine });
    expect(plan.exitCode, `${engine}: ${plan.stdout}${plan.stderr}`).toBe(0);
  }
  const show = await sb.topo(['show', lab]);
  expect([show.exitCode, show.stderr]).toEqual([0, '']);
  expect((await sb.topo(['destroy', lab])).exitCode).toBe(0);
  expect(await sb.netns()).toEqual(['half']);
});

it('a no-op plan of a lab of 12 namespaces starts no process with the netlink engine (the listing is read from /run/netns), one per namespace or group with ip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'topo-nlcount-'));
  try {
    const { starYaml } = await import('../../bench/star.js');
    const lab = join(dir, 'star.yaml');
    writeFileSync(lab, starYaml(12));
    expect((await sb.topo(['apply', lab])).exitCode).toBe(0);
    const started = async (engine: string) => {
      const trace = join(dir, `trace-${engine}`);
      const plan = await sb.topo(['plan', lab, '--detailed-exitcode'], { TOPO_ENGINE: engine, TOPO_TRACE_FILE: trace });
      expect(plan.exitCode, plan.stderr).toBe(0);
      // Nothing traced, no trace file.
      return existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];
    };
    expect(await started('netlink')).toEqual([]);
    expect((await started('ip')).length).toBeGreaterThan(2);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

describe('without koffi', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topo-nokoffi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('topo falls back to ip processes: apply, a no-op plan, destroy; --version says why', async () => {
    for (const d of ['bin', 'dist', 'node_modules']) mkdirSync(join(dir, d));
    for (const f of CLI_FILES) copyFileSync(join(ROOT, f), join(dir, f));
    for (const m of readdirSync(join(ROOT, 'node_modules'))) {
      if (m !== 'koffi' && m !== '@koromix' && m !== '.bin') symlinkSync(join(ROOT, 'node_modules', m), join(dir, 'node_modules', m));
    }
    const topo = (args: string[]) => sb.run([process.execPath, join(dir, 'bin/topo.js'), ...args], { env: { TOPO_ENGINE: '' } });
    const lab = example('two-nodes.yaml');
    expect((await topo(['--version'])).stdout).toMatch(/^engine: ip \(koffi could not be loaded/m);
    const applied = await topo(['apply', lab]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect((await topo(['plan', lab, '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.topo(['plan', lab, '--detailed-exitcode'], { TOPO_ENGINE: 'netlink' })).exitCode).toBe(0);
    expect((await topo(['destroy', lab])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

it('a lab without namespaces where /run/netns was never made (ip prints nothing at all for `netns list` there): applied, a no-op, destroyed, with either engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'topo-nonetns-'));
  try {
    const lab = join(dir, 'host-only.yaml');
    writeFileSync(lab, 'name: host-only\nbridges:\n  hbr0:\n    addresses: [10.77.0.1/24]\n');
    expect((await sb.sh('rmdir /run/netns')).exitCode).toBe(0);
    for (const engine of ['ip', 'netlink']) {
      const applied = await sb.topo(['apply', lab], { TOPO_ENGINE: engine });
      expect(applied.exitCode, `${engine}: ${applied.stderr}`).toBe(0);
      const addrs = await sb.ipJson<{ addr_info: { local: string }[] }[]>('host', 'addr', 'show', 'dev', 'hbr0');
      expect(addrs[0].addr_info.map((a) => a.local)).toContain('10.77.0.1');
      const plan = await sb.topo(['plan', lab, '--detailed-exitcode'], { TOPO_ENGINE: engine });
      expect(plan.exitCode, `${engine}: ${plan.stdout}${plan.stderr}`).toBe(0);
      const destroyed = await sb.topo(['destroy', lab], { TOPO_ENGINE: engine });
      expect(destroyed.exitCode, `${engine}: ${destroyed.stderr}`).toBe(0);
      expect((await sb.sh('ip link show dev hbr0')).exitCode).not.toBe(0);
      expect((await sb.sh('test -e /run/netns')).exitCode).not.toBe(0);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

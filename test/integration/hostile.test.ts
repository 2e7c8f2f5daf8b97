// Guarantee: hostile input never reaches the kernel. Every file of the invalid corpus (test/fixtures/invalid),
// and inputs too big to keep in the repository (a huge file, endless devices), given to `topo apply` as root
// inside a sandbox: exit 65, a message with line:column, no stack trace, and not a single process started
// ($TOPO_TRACE_FILE stays empty: no `ip` command, not even a read). The kernel state is the same afterwards.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { STACK } from '../helpers/reference.js';

const DIR = `${ROOT}test/fixtures/invalid`;
const CORPUS = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

const readIfThere = (file: string) => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };

/** Options a fixture declares in its header ("# opts: {...}"): nftAvailable false = run without nft on PATH. */
function envFor(file: string): Record<string, string> {
  const opts = /^# opts: (.*)$/m.exec(readFileSync(file, 'latin1').split('\n').slice(0, 3).join('\n'))?.[1];
  return opts && JSON.parse(opts).nftAvailable === false ? { PATH: '/usr/bin:/bin' } : {};
}

describe('hostile input never reaches the kernel', () => {
  let sb: Sandbox;
  let before: KernelState;
  // The traces go to /tmp, which the sandbox shares: read here without starting a process.
  const traces = mkdtempSync('/tmp/topo-hostile-');
  beforeAll(async () => {
    sb = await Sandbox.create();
    // Something to lose: a namespace with an interface and an address, and a host route.
    await sb.sh('ip netns add keep; ip -n keep link add veth1 type veth peer name veth2; ip -n keep addr add 10.7.0.1/24 dev veth1; ip link add br9 type bridge; ip link set br9 up; ip addr add 10.8.0.1/24 dev br9; ip route add 10.9.0.0/16 via 10.8.0.2');
    before = await kernelState(sb, { mac: true });
  });
  afterAll(async () => { await sb.close(); rmSync(traces, { recursive: true, force: true }); });

  /** `topo apply file` as root in the sandbox: refused cleanly, with nothing started. */
  async function refused(file: string, shown: string, i: number, env: Record<string, string> = {}, withPos = true) {
    const trace = `${traces}/${i}.trace`;
    const r = await sb.topo(['apply', file], { TOPO_TRACE_FILE: trace, ...env });
    expect(r.exitCode, `${shown}\n${r.stderr}`).toBe(65);
    if (withPos) expect(r.stderr, shown).toMatch(new RegExp(`^${shown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: error: `, 'm'));
    expect(r.stderr, shown).not.toMatch(STACK);
    expect(r.stderr, shown).not.toContain('internal error');
    expect(readIfThere(trace), `${shown}: processes started`).toBe('');
  }

  it('the corpus has its files', () => { expect(CORPUS.length).toBeGreaterThanOrEqual(45); });

  // One case per file, each with its own time budget; a few at a time (they only read the shared sandbox).
  for (const [i, f] of CORPUS.entries()) {
    it.concurrent(`the corpus: ${f} exits 65 with line:column, no stack trace, no process started`, async () => {
      await refused(`${DIR}/${f}`, `${DIR}/${f}`, i, envFor(`${DIR}/${f}`));
    });
  }

  it(`after the ${CORPUS.length} files of the corpus, the kernel is as it was`, async () => {
    expect(await kernelState(sb, { mac: true })).toEqual(before);
  }, 300_000); // a topo process per file, and the corpus grows with every validation rule

  it('too big for the repository: a 12 MB file, a 1 MB line, /dev/zero, /dev/urandom', async () => {
    const gen = await sb.sh([
      "awk 'BEGIN { print \"name: big\"; print \"namespaces:\"; for (i = 0; i < 400000; i++) printf \"  ns%d: {}\\n\", i }' > /run/huge.yaml",
      "awk 'BEGIN { printf \"name: \"; for (i = 0; i < 1048576; i++) printf \"a\"; print \"\" }' > /run/long-line.yaml",
    ].join('\n'));
    expect(gen.exitCode, gen.stderr).toBe(0);
    await refused('/run/huge.yaml', '/run/huge.yaml', 1000);
    await refused('/run/long-line.yaml', '/run/long-line.yaml', 1001);
    await refused('/dev/zero', '/dev/zero', 1002);
    await refused('/dev/urandom', '/dev/urandom', 1003);
    expect(await kernelState(sb, { mac: true })).toEqual(before);
  });
});

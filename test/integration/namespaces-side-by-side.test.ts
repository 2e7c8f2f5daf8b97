// Many namespaces are made by a few `ip netns add` batches side by side (io/run-step-cmds.ts sideBySide), one per
// CPU: a lab of 130 is made and works, in exactly that many batches (each part is one batch: a part large enough to
// be split again is not); when the kernel refuses one namespace in the middle of the last batch, the error names its
// command and the kernel's words, and everything the batches made is rolled back.
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';
import { addrOf, nsOf, starYaml } from '../../bench/star.js';

const N = 130;
/** Batches the 130 namespaces are made in: one per CPU (at most 4), each of at least 32 namespaces. */
const BATCHES = Math.min(4, availableParallelism(), Math.floor(N / 32));
let dir: string, file: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-side-')); file = join(dir, 'star.yaml'); writeFileSync(file, starYaml(N)); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const traced = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
const nsBatches = (f: string) => traced(f).filter((a) => a.join(' ') === 'ip -batch -');

describe('namespaces made side by side', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it(`a lab of ${N} namespaces: made by ${BATCHES} batches at once, verified, works`, async () => {
    const trace = join(dir, 'trace-ok');
    const r = await sb.topo(['apply', file], { TOPO_TRACE_FILE: trace, TOPO_ENGINE: 'netlink' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(nsBatches(trace)).toHaveLength(BATCHES);
    expect(await sb.netns()).toHaveLength(N);
    expect(await sb.ping(nsOf(1), addrOf(N))).toBe(true);
    expect((await sb.topo(['plan', file, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('a namespace the kernel refuses in the last batch: named with the kernel\'s words; every batch rolled back', async () => {
    // A plain file where namespace u120 goes: no namespace (the read passes it over), and `netns add` can't create it.
    expect((await sb.sh(`touch /run/netns/${nsOf(120)}`)).exitCode).toBe(0);
    const links = async () => (await sb.ipJson<{ ifname: string }[]>('host', 'link', 'show')).map((l) => l.ifname);
    const before = await links();
    const trace = join(dir, 'trace-fail');
    const r = await sb.topo(['apply', file, '--json'], { TOPO_TRACE_FILE: trace });
    expect(r.exitCode).toBe(1);
    expect(nsBatches(trace)).toHaveLength(BATCHES + 1); // and the rollback's `netns del` batch
    const err = JSON.parse(r.stdout).error;
    expect(err).toMatchObject({ code: 'E_COMMAND', argv: ['ip', 'netns', 'add', nsOf(120)], rolledBack: true });
    expect(err.stderr).toMatch(/File exists/);
    // Rolled back: no namespace left (the plain file alone in /run/netns), the host's interfaces as they were.
    expect((await sb.run(['ls', '/run/netns'])).stdout.trim()).toBe(nsOf(120));
    expect(await links()).toEqual(before);
  });
});

// Link shaping against the kernel, in the sandbox: the shaped-link example's qdiscs read back with `tc -j -raw qdisc
// show` (tbf at handle 7a0:), its pings, its effect measured (a transfer through the 1mbit link takes at least
// (bytes - burst) / rate, and tc's counters show the bytes went through the lab's tbf); a changed rate changed in
// place; a qdisc replaced or changed by hand is drift, repaired (on an interface the file doesn't shape, left
// alone); shape removed from the file leaves the kernel's default; destroy leaves nothing; qdiscs on interfaces the
// lab doesn't own are never touched; the escape hatch; one tc batch per namespace; netem as this machine has it
// (the qdisc read back where the kernel has sch_netem, the error naming it where not, nothing applied).
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, example } from '../helpers/sandbox.js';
import { appliedClean, expectNoChanges, shOk } from '../helpers/clean-steps.js';

const EXAMPLE = example('shaped-link.yaml');
const TRANSFER = `${ROOT}test/helpers/tcp-transfer.mjs`;

interface Qdisc { kind: string; handle: string; dev: string; root?: boolean; parent?: string; options: Record<string, any>; bytes?: number; packets?: number }

let dir: string, sb: Sandbox;
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
const servers: ResultPromise[] = [];
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-shape-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => {
  for (const s of servers.splice(0)) { s.kill('SIGKILL'); await s.catch(() => undefined); }
  await sb.close();
});

/** Every qdisc of a namespace as the kind reads them (`-s`: with their counters). */
async function qdiscs(ns: string, stats = false): Promise<Qdisc[]> {
  const r = await sb.run(['tc', ...(ns === 'host' ? [] : ['-n', ns]), '-j', '-raw', ...(stats ? ['-s'] : []), 'qdisc', 'show']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Qdisc[];
}
const root = async (ns: string, dev: string) => (await qdiscs(ns)).find((q) => q.dev === dev && q.root)!;
const apply = (f: string, env: Record<string, string> = {}) => appliedClean(sb, f, env);
const converged = (f: string) => expectNoChanges(sb, f);
const sh = async (script: string) => { await shOk(sb, script); };

describe('shape: tbf', () => {
  it('the example: read back, pings, converged; a new rate changed in place; hand changes repaired; shape removed; destroy', async () => {
    await apply(EXAMPLE);
    expect(await root('client', 'eth0')).toMatchObject({ kind: 'tbf', handle: '7a0:', options: { rate: 125000, burst: 1600, limit: 7850 } });
    const p1 = await root('sw', 'p1');
    expect(p1).toMatchObject({ kind: 'tbf', handle: '7a0:', options: { rate: 1250000, limit: 57768 } });
    expect(p1.options.burst).toBeGreaterThanOrEqual(32766); // 32kb, kept in ticks: reads 32767
    expect(await root('server', 'eth0')).toMatchObject({ kind: 'noqueue', handle: '0:' });
    const t = await sb.topo(['test', EXAMPLE]);
    expect(t.exitCode, t.stdout + t.stderr).toBe(0);
    await converged(EXAMPLE);
    const show = await sb.topo(['show', EXAMPLE]);
    expect(show.stdout).toContain('  shape     eth0 tbf 1mbit burst 1600 limit 7850\n');
    expect(show.stdout).toContain('  shape     p1 tbf 10mbit burst 32767 limit 57768\n');
    expect((await sb.topo(['graph', EXAMPLE])).stdout).toContain('eth0<br/>10.0.1.2/24<br/>tbf 1mbit burst 1600 limit 7850');

    // A new rate: changed in place (tc qdisc change), read back.
    const faster = file('faster.yaml', readFileSync(EXAMPLE, 'utf8').replace('shape: { rate: 1mbit }', 'shape: { rate: 2Mbit }'));
    const plan = await sb.topo(['plan', faster, '--commands']);
    expect(plan.stdout).toContain('~ shape eth0 (rate: 1mbit -> 2mbit, limit: 7850 -> 14100)\n      tc -n client qdisc change dev eth0 root handle 7a0: tbf rate 2mbit burst 1600 latency 50ms\n');
    await apply(faster);
    expect(await root('client', 'eth0')).toMatchObject({ handle: '7a0:', options: { rate: 250000, burst: 1600, limit: 14100 } });
    await converged(faster);

    // By hand: the rate changed under the lab's handle, and the root replaced by another qdisc.
    await sh('tc -n client qdisc change dev eth0 root handle 7a0: tbf rate 5mbit burst 1600 latency 50ms; tc -n sw qdisc replace dev p1 root pfifo limit 10');
    const hand = (await root('sw', 'p1')).handle;
    expect(hand).not.toBe('7a0:');
    const drift = await sb.topo(['plan', faster, '--detailed-exitcode']);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ shape eth0 (rate: 5mbit -> 2mbit, limit: 32850 -> 14100)');
    expect(drift.stdout).toContain(`~ shape p1 (qdisc: pfifo ${hand} (set by hand) -> tbf 10mbit burst 32768 limit 57768)`);
    await apply(faster);
    expect(await root('client', 'eth0')).toMatchObject({ handle: '7a0:', options: { rate: 250000 } });
    expect(await root('sw', 'p1')).toMatchObject({ kind: 'tbf', handle: '7a0:', options: { rate: 1250000 } });
    await converged(faster);

    // shape removed from the file: the lab's qdisc deleted, the kernel's default back; the other one stays.
    const plain = file('plain.yaml', readFileSync(faster, 'utf8').replace(', shape: { rate: 2Mbit }', ''));
    expect((await sb.topo(['plan', plain, '--commands'])).stdout).toContain('- shape eth0\n      tc -n client qdisc del dev eth0 root\n');
    await apply(plain);
    expect(await root('client', 'eth0')).toMatchObject({ kind: 'noqueue', handle: '0:' });
    expect(await root('sw', 'p1')).toMatchObject({ kind: 'tbf', handle: '7a0:' });
    await converged(plain);
    // A qdisc set by hand on an interface of the lab that the file doesn't shape: not the lab's, left alone.
    await sh('tc -n server qdisc add dev eth0 root pfifo limit 10');
    await converged(plain);
    await apply(plain);
    expect(await root('server', 'eth0')).toMatchObject({ kind: 'pfifo', options: { limit: 10 } });
    const state = JSON.parse((await sb.run(['cat', '/run/topo/shaped-link.json'])).stdout);
    expect(state.objects).toEqual(['shape:sw/p1']);

    const destroyed = await sb.topo(['destroy', plain]);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sb.netns()).toEqual([]);
    expect((await qdiscs('host')).filter((q) => q.handle === '7a0:')).toEqual([]);
  });

  it('effect: 400 KB through the 1mbit end take at least (bytes - burst) / rate, and went through the lab\'s tbf', async () => {
    await apply(EXAMPLE);
    const BYTES = 400_000, RATE = 125_000, BURST = 1600;
    const server = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', 'ip', 'netns', 'exec', 'server', process.execPath, TRANSFER, 'serve', '10.0.1.3', '5001'],
      { reject: false, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    const before = (await qdiscs('client', true)).find((q) => q.dev === 'eth0' && q.root)!;
    const sent = await sb.run(['ip', 'netns', 'exec', 'client', process.execPath, TRANSFER, 'send', '10.0.1.3', '5001', String(BYTES)], { timeoutMs: 60_000 });
    expect(sent.exitCode, sent.stderr).toBe(0);
    const done = await server;
    const got = JSON.parse(String(done.stdout).split('\n').filter((l) => l.startsWith('{'))[0]) as { bytes: number; ms: number };
    expect(got.bytes).toBe(BYTES);
    // A lower bound only: load can make the transfer slower, never faster than the bucket and the rate allow.
    expect(got.ms).toBeGreaterThanOrEqual(((BYTES - BURST) / RATE) * 1000);
    const after = (await qdiscs('client', true)).find((q) => q.dev === 'eth0' && q.root)!;
    expect(after).toMatchObject({ kind: 'tbf', handle: '7a0:' });
    expect(after.bytes! - before.bytes!).toBeGreaterThanOrEqual(BYTES);
  });

  it('qdiscs on interfaces the lab doesn\'t own (even with handle 7a0:) are never touched; a host end\'s shape is the lab\'s', async () => {
    await sh('ip link add hx0 type veth peer name hx1; ip link set hx0 up; ip link set hx1 up; '
      + 'tc qdisc add dev hx0 root handle 7a0: tbf rate 3mbit burst 1600 latency 50ms; tc qdisc add dev hx1 root pfifo limit 10');
    const mine = (qs: Qdisc[]) => qs.filter((q) => q.dev === 'hx0' || q.dev === 'hx1');
    const before = mine(await qdiscs('host'));
    const lab = 'name: hostend\nnamespaces:\n  n1: {}\nveths:\n  - ends:\n      - { name: h0, shape: { rate: 1mbit } }\n      - { name: eth0, namespace: n1 }\n';
    const f = file('hostend.yaml', lab);
    await apply(f);
    expect(await root('host', 'h0')).toMatchObject({ kind: 'tbf', handle: '7a0:', options: { rate: 125000 } });
    expect(mine(await qdiscs('host'))).toEqual(before);
    await converged(f);
    const unshaped = file('hostend-plain.yaml', lab.replace(', shape: { rate: 1mbit }', ''));
    await apply(unshaped);
    expect(await root('host', 'h0')).toMatchObject({ kind: 'noqueue', handle: '0:' });
    await apply(f);
    expect((await sb.topo(['destroy', f])).exitCode).toBe(0);
    expect(mine(await qdiscs('host'))).toEqual(before);
    expect((await qdiscs('host')).map((q) => q.dev).filter((d) => d === 'h0')).toEqual([]);
  });
});

describe('shape: the escape hatch, and one tc batch per namespace', () => {
  const lab = (qdisc: string) => `name: hatch
namespaces:
  a: {}
  b: {}
veths:
  - ends:
      - { name: x0, namespace: a, shape: { qdisc: "${qdisc}" } }
      - { name: x0, namespace: b }
  - ends:
      - { name: y0, namespace: a, shape: { rate: 5mbit } }
      - { name: y0, namespace: b }
`;

  it('tc\'s words as the lab\'s root qdisc; new words replace it in place, another kind is deleted and added; re-apply is a no-op', async () => {
    const f = file('hatch.yaml', lab('pfifo limit 100'));
    const trace = join(dir, 'trace');
    await apply(f, { TOPO_TRACE_FILE: trace });
    // With the ip engine, both of namespace a's qdiscs in one tc process; with the netlink engine the tbf is a request
    // made in-process and the escape hatch's words go to tc alone.
    const lines = readFileSync(trace, 'utf8').split('\n');
    const tcRuns = lines.filter((l) => l.startsWith('["tc"') && !l.includes('"show"'));
    if (process.env.TOPO_ENGINE === 'ip') expect(tcRuns).toEqual(['["tc","-n","a","-batch","-"]']);
    else {
      expect(tcRuns).toEqual(['["tc","-n","a","qdisc","add","dev","x0","root","handle","7a0:","pfifo","limit","100"]']);
      expect(lines.filter((l) => l.startsWith('["in-process","tc"'))).toEqual(['["in-process","tc","-n","a","qdisc","add","dev","y0","root","handle","7a0:","tbf","rate","5mbit","burst","2500","latency","50ms"]']);
    }
    expect(await root('a', 'x0')).toMatchObject({ kind: 'pfifo', handle: '7a0:', options: { limit: 100 } });
    await converged(f);

    const more = file('hatch2.yaml', lab('pfifo limit 200'));
    expect((await sb.topo(['plan', more, '--commands'])).stdout).toContain('~ shape x0 (qdisc: pfifo (other options) -> pfifo limit 200)\n      tc -n a qdisc replace dev x0 root handle 7a0: pfifo limit 200\n');
    await apply(more);
    expect(await root('a', 'x0')).toMatchObject({ kind: 'pfifo', handle: '7a0:', options: { limit: 200 } });
    await converged(more);

    const htb = file('hatch3.yaml', lab('htb default 10'));
    await apply(htb);
    expect(await root('a', 'x0')).toMatchObject({ kind: 'htb', handle: '7a0:', options: { default: '0x10' } });
    await converged(htb);
    expect((await sb.topo(['destroy', htb])).exitCode).toBe(0);
    expect(await sb.netns()).toEqual([]);
  });
});

describe('shape: netem as this machine has it', () => {
  const lab = 'name: impaired\nnamespaces:\n  a: {}\n  b: {}\nveths:\n  - ends:\n      - { name: eth0, namespace: a, addresses: [10.0.0.1/24], shape: { delay: 20ms, loss: 1%, rate: 1mbit } }\n      - { name: eth0, namespace: b, addresses: [10.0.0.2/24] }\n';

  it('the qdisc read back where the kernel has sch_netem; where not, refused naming the module (at the field, or by the kernel at apply), nothing applied', async () => {
    const f = file('impaired.yaml', lab);
    const probe = await sb.sh('ip netns add probe; r=0; tc -n probe qdisc add dev lo root netem delay 1ms || r=$?; ip netns del probe; exit $r');
    if (probe.exitCode === 0) {
      await apply(f);
      const qs = (await qdiscs('a')).filter((q) => q.dev === 'eth0');
      expect(qs.find((q) => q.root)).toMatchObject({ kind: 'netem', handle: '7a0:', options: { delay: { delay: 0.02 }, 'loss-random': { loss: 0.01 } } });
      expect(qs.find((q) => q.parent === '7a0:1')).toMatchObject({ kind: 'tbf', handle: '7a1:', options: { rate: 125000 } });
      await converged(f);
      expect((await sb.topo(['destroy', f])).exitCode).toBe(0);
      return;
    }
    expect(probe.stderr).toContain('Error: Specified qdisc kind is unknown.');
    const before = await sb.snapshot();
    const configReadable = (await sb.sh('test -r /proc/config.gz || test -r /boot/config-$(uname -r)')).exitCode === 0;
    if (configReadable) {
      const refused = await sb.topo(['apply', f]);
      expect(refused.exitCode).toBe(65);
      expect(refused.stderr).toContain(`${f}:7:79: error: delay: this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM is not set: no module sch_netem)`);
      expect(await sb.netns()).toEqual([]);
    }
    // The kernel's configuration unreadable (hidden inside the sandbox's own mount namespace): tc says no, at apply.
    await sh('for f in /proc/config.gz /boot/config-$(uname -r); do [ -e "$f" ] && mount --bind /dev/null "$f"; done; true');
    const failed = await sb.topo(['apply', f]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('error: step "eth0" failed: tc -n a qdisc add dev eth0 root handle 7a0: netem delay 20ms loss 1%: Error: Specified qdisc kind is unknown.');
    expect(failed.stderr).toContain('rolled back: the lab is as it was before this apply');
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(before);
  });
});

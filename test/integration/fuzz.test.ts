// Property-based tests (fast-check). (1) Random valid topologies — namespaces, veth pairs, bridges with ports,
// IPv4/IPv6 addresses, routes through a neighbour, sysctls, loopback state, now and then objects in the host —
// applied in a sandbox: apply succeeds, the plan is then empty, destroy leaves the kernel exactly as before.
// (2) Random mutations of valid files (examples and fixtures): each either validates, and then plans without an
// exception, or is refused cleanly: problems with line:column, never a thrown error; through the CLI, exit 65,
// no stack trace and no process started.
// Failures print fast-check's seed and the shrunk counterexample; re-run with it to reproduce.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { STACK } from '../helpers/reference.js';
import { formatProblems, validateText } from '../../src/validate/index.js';
import { planFrom } from '../../src/kinds/index.js';
import { labIdentity } from '../../src/core/lab.js';
import { emptyState } from '../../src/core/state.js';
import type { Topology } from '../../src/model.js';

// ---- (1) random valid topologies ----------------------------------------------------------------------------

interface Shape {
  namespaces: { name: string; loopback?: 'up' | 'down'; forward?: 0 | 1 }[];
  pairs: { a: number; b: number; v6: boolean; mtu?: number; toBridge: boolean; addressed: boolean; route: boolean }[];
  hostSysctl: boolean;
}

const NAMES = ['fz-a', 'fz-b', 'fz-c', 'FZ.d', 'fz_e', 'f9'];
const shapeArb: fc.Arbitrary<Shape> = fc.record({
  namespaces: fc.uniqueArray(fc.record({
    name: fc.constantFrom(...NAMES),
    loopback: fc.option(fc.constantFrom('up' as const, 'down' as const), { nil: undefined }),
    forward: fc.option(fc.constantFrom(0 as const, 1 as const), { nil: undefined }),
  }), { minLength: 1, maxLength: 4, selector: (n) => n.name }),
  pairs: fc.array(fc.record({
    a: fc.nat(4), b: fc.nat(5), v6: fc.boolean(), mtu: fc.option(fc.integer({ min: 1280, max: 9000 }), { nil: undefined }),
    toBridge: fc.boolean(), addressed: fc.boolean(), route: fc.boolean(),
  }), { maxLength: 5 }),
  hostSysctl: fc.boolean(),
});

/** The topology a shape describes: valid by construction (pair i uses 10.77.i.0/24 and fd77:i::/64). */
export function topologyOf(s: Shape): Topology {
  const nsNames = s.namespaces.map((n) => n.name);
  const at = (i: number) => (i < nsNames.length ? nsNames[i] : 'host');
  const namespaces: NonNullable<Topology['namespaces']> = {};
  for (const n of s.namespaces) {
    namespaces[n.name] = {
      ...(n.loopback ? { loopback: n.loopback } : {}),
      ...(n.forward !== undefined ? { sysctls: { 'net.ipv4.ip_forward': n.forward } } : {}),
    };
  }
  const bridges: NonNullable<Topology['bridges']> = {};
  const veths: NonNullable<Topology['veths']> = [];
  s.pairs.forEach((p, i) => {
    const [nsA, nsB] = [at(p.a % (nsNames.length + 1)), at(p.b % (nsNames.length + 1))];
    const end = (ns: string, side: 'a' | 'b', host: number) => ({
      name: ns === 'host' ? `fzh${i}${side}` : `v${i}${side}`, ...(ns === 'host' ? {} : { namespace: ns }),
      ...(p.mtu ? { mtu: p.mtu } : {}),
      ...(p.addressed ? { addresses: [`10.77.${i}.${host}/24`, ...(p.v6 ? [`fd77:${i}::${host}/64`] : [])] } : {}),
    });
    const a = end(nsA, 'a', 1), b = end(nsB, 'b', 2);
    if (p.toBridge) {
      // b's side becomes a bridge port; the bridge carries b's addresses.
      const br = `br${i}`;
      bridges[br] = { ...(nsB === 'host' ? {} : { namespace: nsB }), ...(b.addresses ? { addresses: b.addresses } : {}), ...(p.mtu ? { mtu: p.mtu } : {}) };
      delete (b as { addresses?: string[] }).addresses;
      (b as { bridge?: string }).bridge = br;
    }
    veths.push({ ends: [a, b] });
    if (p.addressed && p.route && nsA !== 'host' && nsA !== nsB) {
      const spec = (namespaces[nsA] ??= {})!;
      (spec.routes ??= []).push({ to: `10.88.${i}.0/24`, via: `10.77.${i}.2` });
    }
  });
  if (s.hostSysctl) namespaces.host = { sysctls: { 'net.ipv4.conf.all.arp_ignore': 1 } };
  return {
    name: 'fuzz', namespaces,
    ...(Object.keys(bridges).length ? { bridges } : {}), ...(veths.length ? { veths } : {}),
  };
}

const emptySnap = { netns: [], ns: { host: { name: 'host', links: [], routes: [], sysctls: {}, nsids: {} } } };
const ctx = () => ({ lab: labIdentity('fuzz'), state: emptyState('fuzz') });

describe('fuzz', () => {
  let sb: Sandbox;
  let empty: KernelState;
  beforeAll(async () => { sb = await Sandbox.create(); empty = await kernelState(sb); });
  afterAll(async () => { await sb.close(); });

  it('the generator makes valid files (checked in-process over many shapes)', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const text = stringify(topologyOf(s));
      const r = validateText(text, 'fuzz.yaml');
      expect(r.problems, `${text}\n${formatProblems('fuzz.yaml', r.problems)}`).toEqual([]);
    }), { numRuns: 300 });
  });

  it('random valid topologies: apply, then an empty plan, then destroy leaves the kernel as it was', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, async (s) => {
      const text = stringify(topologyOf(s));
      await sb.run(['sh', '-c', 'cat > /run/fuzz.yaml'], { input: text });
      const applied = await sb.topo(['apply', '/run/fuzz.yaml']);
      expect(applied.exitCode, `${text}\n${applied.stderr}`).toBe(0);
      const plan = await sb.topo(['plan', '/run/fuzz.yaml', '--detailed-exitcode']);
      expect(plan.exitCode, `${text}\n${plan.stdout}${plan.stderr}`).toBe(0);
      const destroyed = await sb.topo(['destroy', '/run/fuzz.yaml']);
      expect(destroyed.exitCode, `${text}\n${destroyed.stderr}`).toBe(0);
      expect(await kernelState(sb), text).toEqual(empty);
    }), { numRuns: 8, endOnFailure: true });
  });

  // ---- (2) mutations of valid files ---------------------------------------------------------------------------

  const VALID = [
    ...readdirSync(`${ROOT}examples`).filter((f) => f.endsWith('.yaml')).map((f) => `${ROOT}examples/${f}`),
    ...['big.yaml', 'big-v2.yaml', 'decoy.yaml'].map((f) => `${ROOT}test/fixtures/reliability/${f}`),
  ].map((f) => readFileSync(f, 'utf8'));

  const NASTY = ['', ' ', '\n', '\t', ':', ': ', '- ', '{', '}', '[', ']', ',', '&a ', '*a', '!', '!!binary ', '|', '>', '"', "'",
    '#', '%', '@', '`', '\\', '\u0000', '\u00ff', '\ufeff', 'é', '💥', '$(reboot)', ';', '--', '-1', '0x10', '1e9', '99999999999999999999',
    '.inf', 'null', '~', 'true', 'default', 'host', 'lo', '10.0.0.1/33', '::/0', 'aaaaaaaaaaaaaaaa', '<<: *a'];

  type Mutation = (text: string) => string;
  const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.nat(), fc.nat(20)).map(([at, n]): Mutation => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + t.slice(i + n); }),
    fc.tuple(fc.nat(), fc.constantFrom(...NASTY)).map(([at, s]): Mutation => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + s + t.slice(i); }),
    fc.tuple(fc.nat(), fc.nat()).map(([x, y]): Mutation => (t) => {
      const l = t.split('\n'); const i = x % l.length, j = y % l.length; [l[i], l[j]] = [l[j], l[i]]; return l.join('\n');
    }),
    fc.nat().map((x): Mutation => (t) => { const l = t.split('\n'); const i = x % l.length; l.splice(i, 0, l[i]); return l.join('\n'); }),
    fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 })).map(([x, d]): Mutation => (t) => {
      const l = t.split('\n'); const i = x % l.length; l[i] = d > 0 ? ' '.repeat(d) + l[i] : l[i].slice(-d); return l.join('\n');
    }),
    fc.tuple(fc.nat(), fc.oneof(fc.integer(), fc.double(), fc.string())).map(([x, v]): Mutation => (t) => {
      let k = 0; return t.replace(/\b\d+\b/g, (m) => (k++ === x % 40 ? String(v) : m));
    }),
  );
  const mutatedArb = fc.tuple(fc.constantFrom(...VALID.keys()), fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
    .map(([i, ms]) => ms.reduce((t, m) => m(t), VALID[i]));

  it('mutated files, in-process: validate, or are refused with line:column; what validates also plans', () => {
    fc.assert(fc.property(mutatedArb, (text) => {
      const r = validateText(text, 'm.yaml', { nftAvailable: true });
      if (r.topo) {
        expect(r.problems).toEqual([]);
        expect(() => planFrom(r.topo, emptySnap as never, ctx())).not.toThrow();
        return;
      }
      expect(r.problems.length).toBeGreaterThan(0);
      for (const p of r.problems) {
        expect(p.pos?.line, `${p.message}\n${text}`).toBeGreaterThanOrEqual(1);
        expect(p.pos?.col, `${p.message}\n${text}`).toBeGreaterThanOrEqual(1);
      }
      expect(formatProblems('m.yaml', r.problems)).toMatch(/^m\.yaml:\d+:\d+: error: /);
    }), { numRuns: 1500 });
  });

  it('mutated files refused through the CLI: exit 65, line:column, no stack trace, no process started', async () => {
    const refused = fc.sample(mutatedArb.filter((t) => !validateText(t, 'm.yaml', { nftAvailable: true }).topo), { numRuns: 16 });
    await Promise.all([0, 1, 2, 3].map(async (lane) => {
      for (let i = lane; i < refused.length; i += 4) {
        const file = `/run/mut-${i}.yaml`, trace = `/run/mut-${i}.trace`;
        await sb.run(['sh', '-c', `cat > ${file}`], { input: refused[i] });
        const r = await sb.topo(['apply', file], { TOPO_TRACE_FILE: trace });
        expect(r.exitCode, `${refused[i]}\n${r.stderr}`).toBe(65);
        expect(r.stderr, refused[i]).toMatch(new RegExp(`^${file}:\\d+:\\d+: error: `, 'm'));
        expect(r.stderr).not.toMatch(STACK);
        expect((await sb.run(['sh', '-c', `cat ${trace} 2>/dev/null || true`])).stdout).toBe('');
      }
    }));
  });
});

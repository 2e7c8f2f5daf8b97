// `topo import` against the kernel, each case in its own sandbox.
// - The seeds' scripts (test/fixtures/seeds/*.sh: each tutorial's commands, run by hand), imported: the file is
//   equivalent to the seed's example (same namespaces, links, addresses, routes, sysctls: test/helpers/lab-equivalence.ts);
//   applying it over the hand-made objects is refused as conflicts, changing nothing.
// - Property tests on random labs (namespaces, veth pairs between them and the host, bridges, addresses, routes,
//   forwarding, loopback and link state): (1) applied by topo, then imported under the lab's name, the imported
//   file plans nothing and declares what the lab declared; (2) built by hand with `ip` (test/helpers/hand-lab.ts),
//   imported, and the imported file applied in another fresh sandbox: the kernel state is the same (ip -json,
//   without topo's marks: aliases, link groups, route protocols).
// Failures print fast-check's seed and the shrunk lab; re-run with it to reproduce.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { example, ROOT, Sandbox } from '../helpers/sandbox.js';
import { kernelState, type KernelState } from '../helpers/kernel-state.js';
import { labDifferences } from '../helpers/lab-equivalence.js';
import { handScript } from '../helpers/hand-lab.js';
import { validateText } from '../../src/validate/index.js';
import type { Topology } from '../../src/model.js';

const SEEDS = `${ROOT}test/fixtures/seeds/`;
const IMPORTED = '/run/imported.yaml';

function parse(text: string, file: string): Topology {
  const v = validateText(text, file);
  expect(v.problems, `${file}:\n${text}`).toEqual([]);
  return v.topo!;
}

async function withSandbox<T>(f: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = await Sandbox.create();
  try { return await f(sb); } finally { await sb.close(); }
}

async function importIn(sb: Sandbox, args: string[] = ['--name', 'imp']): Promise<string> {
  const r = await sb.topo(['import', ...args, '-o', IMPORTED]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (await sb.run(['cat', IMPORTED])).stdout;
}

async function write(sb: Sandbox, path: string, text: string): Promise<void> {
  const r = await sb.run(['sh', '-c', `cat > ${path}`], { input: text });
  expect(r.exitCode, r.stderr).toBe(0);
}

/** The example a seed's script should import as (see each fixture's header). */
const NOTHING = ['# Not imported: nothing else was found.'];
const seeds: { script: string; example: string; loopbackDown: boolean; header?: string[]; adjust?: (t: Topology) => void }[] = [
  { script: '000-two-namespaces.sh', example: 'two-namespaces.yaml', loopbackDown: true },
  { script: '001-dashed-names.sh', example: 'dashed-names.yaml', loopbackDown: true },
  {
    script: '002-bridge-node.sh', example: 'bridge-node.yaml', loopbackDown: false, header: [
      '# Not imported (2):',
      '#   - namespace NS1: nftables table ip nat: nftables tables are not imported (topo writes nat: and firewall: into a table of its own)',
      '#   - namespace NS2: nftables table ip nat: nftables tables are not imported (topo writes nat: and firewall: into a table of its own)',
    ],
  },
  { script: '003-veth-pair.sh', example: 'veth-pair.yaml', loopbackDown: true },
  {
    script: '004-host-to-namespace.sh', example: 'host-to-namespace.yaml', loopbackDown: true,
    // The example adds IPv6 addresses to the seed's IPv4 ones.
    adjust: (t) => { for (const e of t.veths![0].ends) e.addresses = e.addresses!.filter((a) => !a.includes(':')); },
  },
];

describe('topo import of the seeds, run by hand', () => {
  for (const s of seeds) {
    it(`${s.script} imports as examples/${s.example}`, async () => {
      await withSandbox(async (sb) => {
        const setup = await sb.sh(readFileSync(`${SEEDS}${s.script}`, 'utf8'));
        expect(setup.exitCode, setup.stderr).toBe(0);
        const text = await importIn(sb);
        const imported = parse(text, `import of ${s.script}`);
        const expected = parse(readFileSync(example(s.example), 'utf8'), s.example);
        s.adjust?.(expected);
        expect(labDifferences(imported, expected), text).toEqual([]);
        // The seeds that never bring lo up import it down (the examples leave it at topo's default, up).
        for (const ns of Object.keys(expected.namespaces ?? {}).filter((n) => n !== 'host')) {
          expect(imported.namespaces?.[ns]?.loopback).toBe(s.loopbackDown ? 'down' : undefined);
        }
        for (const line of s.header ?? NOTHING) expect(text.split('\n')).toContain(line);
        // Hand-made objects are nobody's: the apply is refused as conflicts and changes nothing.
        const before = await kernelState(sb);
        const apply = await sb.topo(['apply', IMPORTED]);
        expect(apply.exitCode, apply.stdout + apply.stderr).not.toBe(0);
        expect(apply.stderr).toContain('refusing to touch objects this lab does not own');
        expect(await kernelState(sb)).toEqual(before);
      });
    });
  }

  it('says what is wrong with its options and with unnamed labs, and lists what it leaves out', async () => {
    await withSandbox(async (sb) => {
      await sb.sh(readFileSync(`${SEEDS}002-bridge-node.sh`, 'utf8'));
      const more = await sb.sh('ip link add ep0 type veth peer name ep1 && ip link set ep0 master br0 && ip -n NS1 link add mv0 link veth11 type macvlan && ip netns add host'
        + ' && ip -n NS1 route add blackhole 10.8.0.0/16 && ip -n NS1 route add 10.9.0.0/16 via 172.16.0.1 mtu 1400');
      expect(more.exitCode, more.stderr).toBe(0);
      const bad = await sb.topo(['import', '--name', 'Bad_Name']);
      expect([bad.exitCode, bad.stderr]).toEqual([64, expect.stringContaining('--name "Bad_Name": a lab name is')]);
      const missing = await sb.topo(['import', '--namespaces', 'NS1,nope', '--name', 'x']);
      expect([missing.exitCode, missing.stderr]).toEqual([64, expect.stringContaining('--namespaces: "nope" is not in /run/netns')]);
      const unnamed = await sb.topo(['import']);
      expect([unnamed.exitCode, unnamed.stderr]).toEqual([64, expect.stringContaining('give the lab a name with --name NAME')]);
      const r = await sb.topo(['import', '--name', 'node', '--namespaces', 'NS1', '--json']);
      const all = await sb.topo(['import', '--name', 'node']);
      expect(all.stdout).toContain('#   - namespace host (in /run/netns): "host" stands for the namespace topo runs in');
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ ok: true, lab: 'node', namespaces: ['NS1'] });
      const port = (dev: string) => ({ ns: 'host', what: `port ${dev} of bridge br0`, why: 'not a veth to an imported namespace: the bridge is imported without it' });
      const nat = { ns: 'NS1', what: 'nftables table ip nat', why: 'nftables tables are not imported (topo writes nat: and firewall: into a table of its own)' };
      const routes = [
        { ns: 'NS1', what: 'route blackhole 10.8.0.0/16', why: 'blackhole routes are not imported' },
        { ns: 'NS1', what: 'route 10.9.0.0/16 dev veth11', why: 'routes with metrics are not imported' },
      ];
      expect(doc.skipped).toHaveLength(5);
      for (const s of [port('veth20'), port('ep0'), nat, ...routes]) {
        expect(doc.skipped).toContainEqual(s);
      }
      expect(doc.file).toContain('#   - namespace NS1: route blackhole 10.8.0.0/16: blackhole routes are not imported');
      expect(Object.keys(doc.topology.namespaces)).toEqual(['NS1', 'host']);
      expect(doc.topology.namespaces.NS1.routes).toEqual([{ to: 'default', via: '172.16.0.1', dev: 'veth11' }]);
      // `ip link add ... type macvlan` makes a vepa one (the kernel's default mode; topo's is bridge), down.
      expect(doc.topology.namespaces.NS1.macvlans).toEqual({ mv0: { parent: 'veth11', mode: 'vepa', up: false } });
      // A lab topo would refuse (one address on two interfaces of a namespace): no file, the problem at its place.
      await sb.sh('ip netns add dup && ip -n dup link add d1 type veth peer name d2 && ip -n dup addr add 10.0.0.1/24 dev d1 && ip -n dup addr add 10.0.0.1/24 dev d2');
      const dup = await sb.topo(['import', '--namespaces', 'dup', '--name', 'x']);
      expect([dup.exitCode, dup.stdout]).toEqual([1, '']);
      expect(dup.stderr).toMatch(/the live lab is one topo would refuse, so no file was written:\nimported:\d+:\d+: error: address 10\.0\.0\.1 is already on d\d in namespace "dup"/);
    });
  });
});

// ---- random labs --------------------------------------------------------------------------------------------

interface Shape {
  namespaces: { name: string; loopbackDown: boolean; forward: boolean }[];
  pairs: { a: number; b: number; v6: boolean; mtu?: number; toBridge: boolean; addressed: boolean; route: boolean; down: boolean }[];
}

const NAMES = ['im-a', 'im-b', 'IM.c', 'im_d'];
const shapeArb: fc.Arbitrary<Shape> = fc.record({
  namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), loopbackDown: fc.boolean(), forward: fc.boolean() }),
    { minLength: 1, maxLength: 3, selector: (n) => n.name }),
  pairs: fc.array(fc.record({
    a: fc.nat(3), b: fc.nat(4), v6: fc.boolean(), mtu: fc.option(fc.integer({ min: 1280, max: 9000 }), { nil: undefined }),
    toBridge: fc.boolean(), addressed: fc.boolean(), route: fc.boolean(), down: fc.boolean(),
  }), { minLength: 1, maxLength: 4 }),
});

/**
 * The lab a shape describes, valid by construction: pair i uses 10.77.i.0/24 and fd77:i::/64. Without `hostPairs`
 * a pair with both ends in the host gets its second end in the first namespace instead: import takes the host's
 * objects that connect to the namespaces, and those marked as the lab's, never a hand-made pair of the host's own.
 */
function labOf(s: Shape, hostPairs = true): Topology {
  const names = s.namespaces.map((n) => n.name);
  const at = (i: number) => (i % (names.length + 1) < names.length ? names[i % (names.length + 1)] : 'host');
  const namespaces: NonNullable<Topology['namespaces']> = {};
  for (const n of s.namespaces) {
    namespaces[n.name] = { ...(n.loopbackDown ? { loopback: 'down' } : {}), ...(n.forward ? { sysctls: { 'net.ipv4.ip_forward': 1 } } : {}) };
  }
  const bridges: NonNullable<Topology['bridges']> = {};
  const veths: NonNullable<Topology['veths']> = [];
  s.pairs.forEach((p, i) => {
    const nsA = at(p.a), nsB = !hostPairs && nsA === 'host' && at(p.b) === 'host' ? names[0] : at(p.b);
    const end = (ns: string, side: 'a' | 'b', host: number) => ({
      name: ns === 'host' ? `imh${i}${side}` : `v${i}${side}`, ...(ns === 'host' ? {} : { namespace: ns }),
      ...(p.mtu ? { mtu: p.mtu } : {}),
      ...(p.addressed ? { addresses: [`10.77.${i}.${host}/24`, ...(p.v6 ? [`fd77:${i}::${host}/64`] : [])] } : {}),
    });
    const a: NonNullable<Topology['veths']>[number]['ends'][number] = { ...end(nsA, 'a', 1), ...(p.down ? { up: false } : {}) };
    const b: NonNullable<Topology['veths']>[number]['ends'][number] = end(nsB, 'b', 2);
    if (p.toBridge) {
      const br = `br${i}`;
      bridges[br] = { ...(nsB === 'host' ? {} : { namespace: nsB }), ...(b.addresses ? { addresses: b.addresses } : {}) };
      delete b.addresses;
      b.bridge = br;
    }
    veths.push({ ends: [a, b] });
    if (p.addressed && p.route && !p.down && nsA !== 'host' && nsA !== nsB) {
      (namespaces[nsA]!.routes ??= []).push({ to: `10.88.${i}.0/24`, via: `10.77.${i}.2`, dev: a.name });
    }
  });
  return { name: 'imp', namespaces, ...(Object.keys(bridges).length ? { bridges } : {}), veths };
}

/**
 * The kernel state without topo's marks (aliases, link groups, route protocols), without the DAD setting topo
 * gives the namespaces where it puts IPv6 (net.ipv6.conf.default.accept_dad 0, see kinds/namespace.ts), and without
 * the kernel's own IPv6 routes of a link (fe80::/64, ff00::/8), which addrconf adds once the carrier-up event comes
 * through the kernel's link watch, up to a second after the link is up: a read right after an apply may precede
 * them. Hand-made and applied then compare.
 */
function unmarked(s: KernelState): KernelState {
  return Object.fromEntries(Object.entries(s).map(([ns, n]) => [ns, {
    ...n,
    sysctls: Object.fromEntries(Object.entries(n.sysctls).filter(([k]) => k !== 'net.ipv6.conf.default.accept_dad')),
    links: n.links.map(({ alias: _a, group: _g, ...l }) => l),
    routes: n.routes.filter((r) => !/^(main unicast fe80::\/64|local multicast ff00::\/8) /.test(r))
      .map((r) => { const f = r.split(' '); f[5] = ''; return f.join(' '); }),
  }]));
}

const RUNS = 10;

describe('topo import of random labs', () => {
  it('a lab applied by topo, imported under its name, plans nothing and declares what the lab declared', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, async (shape) => {
      const lab = labOf(shape);
      await withSandbox(async (sb) => {
        await write(sb, '/run/lab.yaml', stringify(lab));
        const apply = await sb.topo(['apply', '-q', '/run/lab.yaml']);
        expect(apply.exitCode, apply.stderr).toBe(0);
        const text = await importIn(sb);
        expect(labDifferences(parse(text, 'imported'), lab), text).toEqual([]);
        const plan = await sb.topo(['plan', '--detailed-exitcode', IMPORTED]);
        expect(plan.exitCode, `${text}\n${plan.stdout}${plan.stderr}`).toBe(0);
        // Without --name the lab's marks give its name.
        expect(JSON.parse((await sb.topo(['import', '--json'])).stdout).lab).toBe('imp');
      });
    }), { numRuns: RUNS });
  }, 600_000);

  it('a lab built by hand, imported and applied by topo in a fresh sandbox, gives the same kernel state', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, async (shape) => {
      const lab = labOf(shape, false);
      const [text, hand] = await withSandbox(async (sb) => {
        const built = await sb.sh(handScript(lab));
        expect(built.exitCode, `${handScript(lab)}\n${built.stderr}`).toBe(0);
        return [await importIn(sb), unmarked(await kernelState(sb))] as const;
      });
      const applied = await withSandbox(async (sb) => {
        await write(sb, IMPORTED, text);
        const apply = await sb.topo(['apply', '-q', IMPORTED]);
        expect(apply.exitCode, `${text}\n${apply.stderr}`).toBe(0);
        return unmarked(await kernelState(sb));
      });
      expect(applied, text).toEqual(hand);
    }), { numRuns: RUNS });
  }, 900_000);
});

// Guarantee: input from the kernel is data too. Unexpected `ip -json` output — unknown link kinds, missing or
// mistyped fields, extra or missing documents, garbage — never crashes topo: reading it and planning against it
// either works (odd entries are skipped or taken as they are) or fails with a typed error naming the command.
// The reader runs against a fake runner that answers what a strange kernel (or a future iproute2) might print.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLive } from '../../src/io/read-live.js';
import { namespacesToResolve } from '../../src/kinds/veth.js';
import type { RunResult, Runner } from '../../src/io/runner.js';
import { planFrom } from '../../src/kinds/index.js';
import { TopoError } from '../../src/errors.js';
import type { Topology } from '../../src/model.js';
import { ALIAS, ctxOf } from './live-fixtures.js';

const TOPO: Topology = {
  name: 'lab',
  namespaces: { ns1: { routes: [{ to: 'default', via: '10.0.0.2' }], sysctls: { 'net.ipv4.ip_forward': 1 } }, ns2: {} },
  bridges: { br0: { namespace: 'ns1', addresses: ['10.1.0.1/24'] } },
  veths: [{ ends: [{ name: 'veth1', namespace: 'ns1', addresses: ['10.0.0.1/24'] }, { name: 'veth2', namespace: 'ns2', addresses: ['10.0.0.2/24'] }] }],
};

interface Kernel {
  netns: string;
  /** What `ip [-n NS] -json -d -batch -` prints, per namespace ("host" for the root one). */
  ns: Record<string, string>;
  /** What the batch of `netns list` alone prints, per namespace (default: no ids). */
  nsids?: Record<string, string>;
  sysctl?: string;
}

/** A runner that plays the kernel: answers reads from `k`, and records everything else it is asked to run. */
function fakeKernel(k: Kernel): Runner {
  return async (argv, opts): Promise<RunResult> => {
    const ok = (stdout: string): RunResult => ({ stdout, stderr: '', exitCode: 0 });
    if (argv.join(' ') === 'ip -json netns list') return ok(k.netns);
    if (argv.includes('grep')) return ok(k.sysctl ?? '');
    if (argv[0] === 'ip' && argv.includes('-json') && argv.includes('-batch')) {
      const ns = argv[1] === '-n' ? argv[2] : 'host';
      // A grouped read (`netns exec NS ip -json -d -batch FILE` lines) is answered namespace by namespace.
      if (ns === 'host' && opts?.input?.includes('netns exec')) {
        const names = [...opts.input.matchAll(/netns exec (\S+)/g)].map((m) => m[1]);
        return ok(names.map((n) => k.ns[n] ?? '').join(''));
      }
      if (opts?.input === 'netns list\n') return ok(k.nsids?.[ns] ?? '[]\n');
      return ok(k.ns[ns] ?? '[]\n[]\n[]\n');
    }
    throw new Error(`unexpected command: ${argv.join(' ')}`);
  };
}

/** Read and plan; returns the error when one is thrown (which must be a TopoError). */
async function readAndPlan(k: Kernel): Promise<{ plan?: ReturnType<typeof planFrom>; error?: unknown }> {
  const ctx = ctxOf();
  try {
    const snap = await readLive(fakeKernel(k), { namespaces: ['ns1', 'ns2'], sysctls: { ns1: ['net.ipv4.ip_forward'] },
      nsidsNeeded: (s) => namespacesToResolve(s, ctx) });
    return { plan: planFrom(TOPO, snap, ctx) };
  } catch (error) {
    return { error };
  }
}

const j = (...docs: unknown[]) => docs.map((d) => JSON.stringify(d)).join('\n') + '\n';
const NETNS = JSON.stringify([{ name: 'ns1', id: 0 }, { name: 'ns2', id: 1 }]);
const lo = { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, ifalias: ALIAS, linkinfo: {} };

describe('unexpected ip -json output', () => {
  it('unknown link kinds, even carrying the lab\'s mark, are read and never touched as if they were bridges or veths', async () => {
    const odd = ['wireguard', 'geneve', 'macvlan', 'ipvlan', 'dummy', 'tun', 'bond', 'vrf', 'some-future-kind'].map((kind, i) => ({
      ifindex: 10 + i, ifname: `x${i}`, flags: ['UP'], mtu: 1400, linkinfo: { info_kind: kind, info_data: { whatever: [1, { a: null }] } },
      ...(i % 2 ? { ifalias: ALIAS } : {}), addr_info: [{ family: 'inet', local: `10.9.${i}.1`, prefixlen: 24, scope: 'global' }],
    }));
    const r = await readAndPlan({ netns: NETNS, ns: { host: j([], [], []), ns1: j([lo, ...odd], []), ns2: j([lo], []) } });
    expect(r.error).toBeUndefined();
    const cmds = r.plan!.plan.steps.flatMap((s) => s.cmds.map((c) => c.args.join(' ')));
    expect(cmds.filter((c) => /link (del|set) dev x\d/.test(c))).toEqual([]);
  });

  it('a veth pair inside one namespace (ip names the peer instead of giving its index) is one pair, in sync', async () => {
    const topo: Topology = { name: 'lab', namespaces: { ns1: {} }, veths: [{ ends: [{ name: 'v1a', namespace: 'ns1' }, { name: 'v1b', namespace: 'ns1' }] }] };
    const end = (ifindex: number, ifname: string, link: string) => ({ ifindex, ifname, link, flags: ['UP'], mtu: 1500, group: '1',
      ifalias: ALIAS, linkinfo: { info_kind: 'veth' }, addr_info: [] });
    const ctx = ctxOf();
    const snap = await readLive(fakeKernel({ netns: JSON.stringify([{ name: 'ns1' }]),
      ns: { host: j([], [], []), ns1: j([lo, end(2, 'v1b', 'v1a'), end(3, 'v1a', 'v1b')], []) } }),
      { namespaces: ['ns1'], sysctls: {}, nsidsNeeded: (s) => namespacesToResolve(s, ctx) });
    const planned = planFrom(topo, snap, ctx);
    expect(planned.live.filter((r) => r.kind === 'veth').map((r) => r.key)).toEqual(['veth:ns1/v1a|ns1/v1b']);
    expect(planned.plan.steps.filter((s) => s.cmds.length)).toEqual([]);
  });

  it('links and routes with missing or mistyped fields are read without a crash', async () => {
    const links = [
      lo,
      { ifname: 'bare' }, // nothing but a name
      { ifindex: 'seven', ifname: 'strange', flags: 'UP', mtu: '1500', group: 42, linkinfo: null, addr_info: 'none' },
      { ifindex: 3, ifname: 'veth1', link_index: 99, link_netnsid: 77, ifalias: ALIAS, linkinfo: { info_kind: 'veth' },
        addr_info: [{ family: 'inet' }, { local: '10.0.0.1' }, { family: 'inet', local: 'not-an-ip', prefixlen: 24 }, null, 5] },
      { ifindex: 4, ifname: 'br0', ifalias: ALIAS, linkinfo: { info_kind: 'bridge' } },
      { ifindex: 5, ifname: 42 }, // a number as a name: skipped
      null, 'text', [],
    ];
    const routes = [
      { dst: 'default' }, { dst: 'not-a-prefix', dev: 'veth1' }, { dst: '10.0.0.0/33' }, { dst: 'fe80::/64%veth1' },
      { type: 'unicast' }, { dst: '10.5.0.0/16', gateway: 'nowhere', metric: 'high', protocol: 241 },
      { dst: '10.6.0.0/16', table: 'main', protocol: '241' }, null, 7,
    ];
    const r = await readAndPlan({ netns: NETNS, ns: { host: j([], [], []), ns1: j(links, routes), ns2: j({ not: 'an array' }, 'nor this') } });
    if (r.error) expect(r.error).toBeInstanceOf(TopoError);
    else expect(r.plan!.plan.steps.length).toBeGreaterThan(0);
  });

  it('extra, missing or empty documents are read without a crash', async () => {
    for (const ns1 of ['', '\n', j([lo]), j([lo], [], [], [], { extra: true }), j(null, null), j({}, {})]) {
      const r = await readAndPlan({ netns: NETNS, ns: { host: j([], [], [], 'extra'), ns1, ns2: '' } });
      if (r.error) expect(r.error, ns1).toBeInstanceOf(TopoError);
    }
  });

  it('garbage where JSON was expected is a typed error naming the command, not a crash', async () => {
    for (const out of ['Segmentation fault', '{"unterminated": [', '[]\nnot json\n', '\u0000\u0001']) {
      const r = await readAndPlan({ netns: NETNS, ns: { host: j([], [], []), ns1: out, ns2: j([lo], []) } });
      if (r.error) {
        expect(r.error, out).toBeInstanceOf(TopoError);
        expect((r.error as Error).message).toContain('ip');
      }
    }
    const r = await readAndPlan({ netns: 'garbage', ns: {} });
    expect(r.error).toBeInstanceOf(TopoError);
  });

  it('an unexpected netns list, nsid list or sysctl output is read without a crash', async () => {
    for (const netns of ['', '[]', '{}', '[{"id": 3}]', '[null, 5, "ns1", {"name": 7}]', '[{"name":"ns1"},{"name":"ns1"}]']) {
      const r = await readAndPlan({
        netns, ns: { host: j([], [], [{ nsid: 'x' }, { nsid: 0 }, null, { nsid: 1, name: 5 }]), ns1: j([lo], [], 'x'), ns2: j([lo]) },
        sysctl: 'net.ipv4.ip_forward\n:1\n/proc/sys/net/ipv4/ip_forward\n/proc/sys/net/ipv4/ip_forward:\n: :\n',
      });
      if (r.error) expect(r.error, netns).toBeInstanceOf(TopoError);
    }
  });

  it('random JSON in place of each document never crashes the reader or the planner', async () => {
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.array(fc.dictionary(fc.constantFrom('ifindex', 'ifname', 'flags', 'mtu', 'group', 'master', 'ifalias', 'link_index',
        'link_netnsid', 'linkinfo', 'addr_info', 'address', 'dst', 'gateway', 'dev', 'table', 'protocol', 'metric', 'type', 'nsid', 'name'),
      fc.jsonValue())),
    );
    await fc.assert(fc.asyncProperty(doc, doc, doc, async (a, b, c) => {
      const r = await readAndPlan({ netns: NETNS, ns: { host: j(a, b, c), ns1: j(b, a), ns2: j(c, c) } });
      if (r.error) expect(r.error).toBeInstanceOf(TopoError);
    }), { numRuns: 300 });
  });
});

describe('routes read', () => {
  it('keeps the unicast routes of every table but local, with their table (local, broadcast and multicast are the kernel\'s)', async () => {
    const { routesOf } = await import('../../src/io/live-shape.js');
    const doc = [
      { dst: 'default', gateway: '10.0.0.1', dev: 'e1', protocol: '241' },
      { type: 'unicast', dst: '10.0.0.0/16', dev: 'e1', protocol: 'kernel', scope: 'link' },
      { type: 'local', dst: '10.0.0.2', table: 'local', dev: 'e1' },
      { type: 'broadcast', dst: '10.0.255.255', table: 'local', dev: 'e1' },
      { type: 'multicast', dst: 'ff00::/8', table: 'local', dev: 'e1' },
      { dst: '10.9.0.0/24', table: '100', dev: 'e1' },
      { dst: '10.8.0.0/24', table: 'local', dev: 'e1' }, // the local table by its name or its number, whatever the type
      { dst: '10.7.0.0/24', table: 255, dev: 'e1' },
      { dst: 'fe80::/64', dev: 'e1', protocol: 'kernel', metric: 256, pref: 'medium' },
    ];
    expect(routesOf(doc).map((r) => [r.dst, r.table])).toEqual([['default', undefined], ['10.0.0.0/16', undefined], ['10.9.0.0/24', '100'], ['fe80::/64', undefined]]);
  });

  it('a route is keyed by its table: the lab\'s route in table 100 is not taken for the declared one of main (and, undeclared, is pruned)', async () => {
    const ctx = ctxOf();
    const veth1 = { ifindex: 2, ifname: 'veth1', flags: ['UP'], mtu: 1500, linkinfo: { info_kind: 'dummy' }, addr_info: [] };
    const inTable = (table: string) => ({ dst: '10.9.0.0/24', dev: 'veth1', protocol: '241', table });
    const snap = await readLive(fakeKernel({ netns: JSON.stringify([{ name: 'ns1' }]),
      ns: { host: j([], [], []), ns1: j([lo, veth1], [inTable('100'), inTable('main')]) } }), { namespaces: ['ns1'], sysctls: {} });
    expect(snap.ns.ns1.routes.map((r) => r.table)).toEqual(['100', 'main']);
    const topo: Topology = { name: 'lab', namespaces: { ns1: { routes: [{ to: '10.9.0.0/24', dev: 'veth1' }] } } };
    const planned = planFrom(topo, snap, ctx);
    expect(planned.live.filter((r) => r.kind === 'route').map((r) => r.key).sort()).toEqual(['route:ns1/10.9.0.0/24/0', 'route:ns1/10.9.0.0/24/0/100']);
    expect(planned.plan.steps.filter((s) => s.kind === 'route').map((s) => `${s.op} ${s.key}`)).toEqual(['delete route:ns1/10.9.0.0/24/0/100']);
    const withoutMain = await readLive(fakeKernel({ netns: JSON.stringify([{ name: 'ns1' }]),
      ns: { host: j([], [], []), ns1: j([lo, veth1], [inTable('100')]) } }), { namespaces: ['ns1'], sysctls: {} });
    expect(planFrom(topo, withoutMain, ctx).plan.steps.filter((s) => s.kind === 'route').map((s) => `${s.op} ${s.key}`).sort())
      .toEqual(['create route:ns1/10.9.0.0/24/0', 'delete route:ns1/10.9.0.0/24/0/100']);
  });
});

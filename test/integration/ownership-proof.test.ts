// Ownership the kernel proves (issue #11): what is "the lab's" is decided by what the kernel shows — a namespace's
// identity recorded right after this lab's `netns add`, the marks (lo's alias, the route protocol) — and by what
// this apply's commands did create, never by a name in a record alone. Each case builds the situation in which a
// name in the record, the intent record or the link group used to be enough, and checks with `ip -json` that the
// object that is not the lab's is exactly as it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { example, Sandbox } from '../helpers/sandbox.js';
import { expectOk } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

let dir: string, sb: Sandbox, n = 0;
const labFile = (text: string) => { const f = join(dir, `lab-${n++}.yaml`); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-own-proof-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { killLeftovers(); await sb.close(); });

const TWO_NS = example('two-namespaces.yaml');
const links = async (ns: string) => (await sb.ipJson<any[]>(ns, 'addr', 'show')).map((l) => ({
  ifname: l.ifname, alias: l.ifalias, addrs: (l.addr_info ?? []).filter((a: any) => a.scope !== 'link').map((a: any) => `${a.local}/${a.prefixlen}`),
}));
const loAlias = async (ns: string) => (await sb.ipJson<any[]>(ns, 'link', 'show', 'dev', 'lo'))[0].ifalias;

/**
 * Runs topo with `args`, and `meanwhile` once topo starts a command that `when` picks (topo starts the command,
 * then waits before its next one until `meanwhile` is done). Returns topo's result.
 */
async function holding(args: string[], when: (argv: string[]) => boolean, meanwhile: () => Promise<void>) {
  const gate = await TraceGate.create();
  try {
    const topo = startTopo(sb, args, gate.env);
    let done = false;
    const seen: string[] = [];
    for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
      seen.push(...cmds.map((c) => c.join(' ')));
      if (!done && cmds.some(when)) { await meanwhile(); done = true; }
    }
    expect(done, `the command to hold at was not seen; seen:\n${seen.join('\n')}\nresult: ${JSON.stringify(await topo.done)}`).toBe(true);
    return await topo.done;
  } finally { gate.close(); }
}

describe('a namespace is the lab\'s when the kernel proves it, not by its name', () => {
  it('ns1 deleted after apply and made again by someone else: apply refuses it, destroy leaves it and its contents', async () => {
    expectOk(await sb.topo(['apply', TWO_NS]));
    expectOk(await sb.sh('ip netns del ns1 && ip netns add ns1 && ip -n ns1 link add mine type bridge && ip -n ns1 addr add 10.66.0.1/24 dev mine'));
    const theirs = await links('ns1');

    const r = await sb.topo(['apply', TWO_NS]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ns1: namespace ns1 already exists and is not owned by lab "two-ns"/);
    expect(await loAlias('ns1')).toBeUndefined(); // not marked as the lab's
    expect(await links('ns1')).toEqual(theirs);

    expectOk(await sb.topo(['destroy', TWO_NS]));
    expect(await sb.netns()).toEqual(['ns1']);
    expect(await links('ns1')).toEqual(theirs);
  });

  it('topo exec refuses a namespace of the lab\'s name that the lab did not create; runs in the lab\'s own', async () => {
    expectOk(await sb.run(['ip', 'netns', 'add', 'ns1']));
    const r = await sb.topo(['exec', TWO_NS, 'ns1', '--', 'ip', 'link', 'add', 'proof', 'type', 'bridge']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/namespace ns1 exists but is not lab "two-ns"'s/);
    expect((await links('ns1')).map((l) => l.ifname)).toEqual(['lo']); // the command did not run
    // Not even when a record (say, of an apply killed right after `netns add`) names it: its name proves nothing.
    expectOk(await sb.sh(`echo '{"lab":"two-ns","namespaces":["ns1"],"links":[],"hostRoutes":[],"sysctls":{},"nat":[]}' > /run/topo/two-ns.json`));
    const again = await sb.topo(['exec', TWO_NS, 'ns1', '--', 'ip', 'link', 'add', 'proof', 'type', 'bridge']);
    expect(again.exitCode).toBe(1);
    expect((await links('ns1')).map((l) => l.ifname)).toEqual(['lo']);
    expectOk(await sb.run(['rm', '/run/topo/two-ns.json']));

    expectOk(await sb.run(['ip', 'netns', 'del', 'ns1']));
    expectOk(await sb.topo(['apply', TWO_NS]));
    expectOk(await sb.topo(['exec', TWO_NS, 'ns1', '--', 'ip', 'link', 'add', 'proof', 'type', 'bridge']));
    expect((await links('ns1')).map((l) => l.ifname)).toContain('proof');
  });
});

describe('a rollback undoes only what this apply\'s commands created', () => {
  const LAB_A = 'name: laba\nnamespaces:\n  shared: {}\n';
  const LAB_B = `name: labb
namespaces:
  b1: {}
  shared: {}
veths:
  - ends:
      - { name: vb1, namespace: b1, addresses: [10.70.0.1/24] }
      - { name: vb2, namespace: shared, addresses: [10.70.0.2/24] }
`;

  it('two labs declaring one namespace applied at once: the loser leaves the winner\'s namespace alone', async () => {
    const a = labFile(LAB_A), b = labFile(LAB_B);
    // B has listed the namespaces (shared is free) and reads on to plan: A creates shared and reports success.
    // Both read with the ip engine (topo inherits this process's environment): B's read after the listing is a
    // command to hold at (the netlink engine reads in process, and its next command is already the creation). What
    // is proven is the creation's, the same with either engine.
    const afterListing = (argv: string[]) => argv.join(' ') !== 'ip -json netns list';
    const was = process.env.TOPO_ENGINE;
    process.env.TOPO_ENGINE = 'ip';
    let r: Awaited<ReturnType<typeof holding>>;
    try {
      r = await holding(['apply', b], afterListing, async () => { expectOk(await sb.topo(['apply', a])); });
    } finally {
      if (was === undefined) delete process.env.TOPO_ENGINE; else process.env.TOPO_ENGINE = was;
    }
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ip netns add shared: .*File exists/);
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(await sb.netns()).toEqual(['shared']);
    expect(await loAlias('shared')).toBe('topo:laba');
    expect((await sb.topo(['plan', a, '--detailed-exitcode'])).exitCode).toBe(0);
    expect((await sb.run(['ls', '/run/topo'])).stdout.split('\n').filter((f) => f.endsWith('.json'))).toEqual(['laba.json']);
  });

  it('two labs declaring one host route applied at once: the loser\'s rollback leaves the winner\'s route', async () => {
    const lab = (x: string, i: number) => `name: lab${x}
namespaces:
  ${x}1: {}
  host:
    routes:
      - { to: 10.99.0.0/24, via: 10.98.${i}.2 }
veths:
  - ends:
      - { name: h${x}, addresses: [10.98.${i}.1/24] }
      - { name: ${x}up, namespace: ${x}1, addresses: [10.98.${i}.2/24] }
`;
    const a = labFile(lab('a', 1)), b = labFile(lab('b', 2));
    // B has planned (the route is free) and starts creating: A applies the same route before B's config stage. On a
    // loaded machine the FIFO reader may take B's commands past its route in one read: then A finds B's route and
    // refuses; both are removed and it is tried again.
    let r: Awaited<ReturnType<typeof holding>> | undefined;
    for (let attempt = 0; attempt < 5 && !r; attempt++) {
      let aApplied = false;
      const got = await holding(['apply', b], isChange, async () => { aApplied = (await sb.topo(['apply', a])).exitCode === 0; });
      if (aApplied) r = got;
      else for (const f of [b, a]) expectOk(await sb.topo(['destroy', f]));
    }
    expect(r, 'A never applied while B was held before its route').toBeDefined();
    if (!r) return;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ip route add 10\.99\.0\.0\/24 via 10\.98\.2\.2 .*File exists/);
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(await sb.ipJson('host', 'route', 'show', '10.99.0.0/24')).toEqual([
      { dst: '10.99.0.0/24', gateway: '10.98.1.2', dev: 'ha', protocol: '241', flags: [] }]);
    expect((await sb.topo(['plan', a, '--detailed-exitcode'])).exitCode).toBe(0);
  });
});

describe('a namespace made again by a rollback', () => {
  it('is recorded with its new identity: the lab is back, owned, and destroy removes it', async () => {
    const v1 = labFile('name: remade\nnamespaces:\n  n1: {}\n  n3: {}\n  n4: {}\n'), v2 = labFile('name: remade\nnamespaces:\n  n1: {}\n');
    expectOk(await sb.topo(['apply', v1]));
    // n4 is deleted, then deleting n3 fails: the rollback makes n4 again (a new namespace, a new identity).
    const r = await sb.topo(['apply', v2], { TOPO_FAIL_COMMAND: 'netns del n3' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('converged back to the state before this apply');
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(await sb.netns()).toEqual(['n1', 'n3', 'n4']);
    expect(await loAlias('n4')).toBe('topo:remade');
    expect((await sb.topo(['plan', v1, '--detailed-exitcode'])).exitCode).toBe(0);
    expectOk(await sb.topo(['destroy', v1]));
    expect(await sb.netns()).toEqual([]);
  });
});

describe('host routes: the record and the lab\'s protocol', () => {
  it('a stale record (the lab\'s route replaced by someone\'s own) never deletes the host\'s route', async () => {
    const f = labFile(`name: hr
namespaces:
  n1: {}
  host:
    routes:
      - { to: default, via: 10.97.0.2 }
veths:
  - ends:
      - { name: hup, addresses: [10.97.0.1/24] }
      - { name: n1up, namespace: n1, addresses: [10.97.0.2/24] }
`);
    expectOk(await sb.topo(['apply', f]));
    // Someone takes the default route over: theirs, through their own interface, made the usual way.
    expectOk(await sb.sh('ip link add uplink type bridge && ip addr add 10.96.0.1/24 dev uplink && ip link set uplink up'
      + ' && ip route del default && ip route add default via 10.96.0.254'));
    const theirs = await sb.ipJson('host', 'route', 'show', 'default');
    expect(theirs).toEqual([{ dst: 'default', gateway: '10.96.0.254', dev: 'uplink', flags: [] }]);

    const d = await sb.topo(['destroy', f]);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await sb.ipJson('host', 'route', 'show', 'default')).toEqual(theirs);
    expect(await sb.netns()).toEqual([]);
  });
});

describe('destroy and interfaces the lab does not own inside its namespaces', () => {
  it('a veth end moved into a lab namespace: destroy refuses, naming it, and deletes nothing', async () => {
    expectOk(await sb.topo(['apply', TWO_NS]));
    expectOk(await sb.sh('ip link add theirs type veth peer name moved && ip addr add 10.55.0.1/24 dev theirs && ip link set moved netns ns1'));
    const host = await links('host'), ns1 = await links('ns1');

    const d = await sb.topo(['destroy', TWO_NS]);
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toMatch(/interface moved \(veth\) in ns1 is not owned by lab "two-ns"/);
    expect(await sb.netns()).toEqual(['ns1', 'ns2']);
    expect(await links('host')).toEqual(host);
    expect(await links('ns1')).toEqual(ns1);

    // Once it is out (back in the sandbox's own namespace, named by its holder's pid), destroy removes the lab.
    expectOk(await sb.run(['ip', '-n', 'ns1', 'link', 'set', 'moved', 'netns', String(sb.pid)]));
    expectOk(await sb.topo(['destroy', TWO_NS]));
    expect(await sb.netns()).toEqual([]);
    expect((await links('host')).map((l) => l.ifname).sort()).toEqual(['lo', 'moved', 'theirs']);
  });
});

describe('the link group: one `ip link del group` removes only this lab\'s interfaces', () => {
  // Two names whose hash is the same link group (FNV-1a, 31 bits).
  const lab = (name: string, x: string, hostSysctl = '') => `name: ${name}
namespaces:
  ${x}1: {}
${hostSysctl}
bridges:
  br${x}: {}
veths:
  - ends:
      - { name: h${x}, bridge: br${x} }
      - { name: ${x}up, namespace: ${x}1 }
`;

  it('labl7hb and labiuah share a hash; destroying one while the other is applied leaves the other\'s interfaces', async () => {
    // A's destroy reads the host and its namespace a1, plans, then deletes: B is applied in between, held at A's
    // first change. (Not at A's read of a1: it starts in the same instant as the host's, and the trace FIFO can
    // lose the second of two argvs written back to back — written after the gate's read saw end-of-file, before
    // it closed — so the hold would be missed.)
    const a = labFile(lab('labl7hb', 'a', '  host:\n    sysctls: { net.ipv4.ip_forward: 1 }')), b = labFile(lab('labiuah', 'b'));
    expectOk(await sb.topo(['apply', a]));
    const d = await holding(['destroy', a], isChange, async () => { expectOk(await sb.topo(['apply', b])); });
    expect(d.exitCode, d.stderr).toBe(0);
    const host = await sb.ipJson<any[]>('host', 'link', 'show');
    expect(host.filter((l) => l.ifname !== 'lo').map((l) => [l.ifname, l.ifalias]).sort()).toEqual([['brb', 'topo:labiuah'], ['hb', 'topo:labiuah']]);
    expect(await sb.netns()).toEqual(['b1']);
    expect((await sb.topo(['plan', b, '--detailed-exitcode'])).exitCode).toBe(0);
    // The two labs' interfaces carry different groups.
    expectOk(await sb.topo(['apply', a]));
    const groups = new Set((await sb.ipJson<any[]>('host', '-d', 'link', 'show')).filter((l) => l.ifname !== 'lo').map((l) => `${l.ifalias} ${l.group}`));
    expect(groups.size).toBe(2);
  });
});

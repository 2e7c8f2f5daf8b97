// Policy routing end to end, inside the sandbox: the example's rules and routes in other tables read back from the
// kernel, the uplink each source address leaves by (`ip route get ... from ...`) and proven by pings; rules broken by
// hand are drift that apply repairs; rules and routes removed from the file are pruned and nothing else is; a rule
// the lab doesn't own at a declared priority is a conflict and is never touched; host rules are the lab's only
// when recorded; IPv6 rules (read and added with ip -6) converge and are pruned.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Sandbox, example } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';

const FILE = example('policy-routing.yaml');
const STATE = '/run/topo/policy-routing.json';

interface Rule { priority: number; src?: string; srclen?: number; dst?: string; dstlen?: number; table?: string; protocol?: string; action?: string; goto?: number }
interface Route { dst: string; gateway?: string; dev?: string; table?: string; protocol?: string }

let dir: string, sb: Sandbox;
beforeAll(() => { dir = mkdtempSync('/tmp/topo-rules-'); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

/** The example, edited: written to a file of its own. */
function edited(name: string, edit: (doc: any) => void): string {
  const doc = parse(readFileSync(FILE, 'utf8'));
  edit(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

const rules = (ns: string, v6 = false) =>
  sb.run(['ip', ...(v6 ? ['-6'] : []), ...(ns === 'host' ? [] : ['-n', ns]), '-json', 'rule', 'show']).then((r) => JSON.parse(r.stdout) as Rule[]);
const rulesText = (list: Rule[]) => list.map((r) =>
  `${r.priority} ${r.src ?? ''}${r.srclen ? `/${r.srclen}` : ''}${r.dst ? ` to ${r.dst}/${r.dstlen}` : ''} ${r.table ?? r.action ?? `goto ${r.goto}`} ${r.protocol ?? '-'}`);
const tableRoutes = async (ns: string) => (await sb.ipJson<Route[]>(ns, 'route', 'show', 'table', 'all'))
  .filter((r) => r.table !== 'local' && r.protocol === '241').map((r) => `${r.table} ${r.dst} via ${r.gateway}`).sort();
const routeGet = async (ns: string, to: string, from: string) => {
  const [r] = await sb.ipJson<{ dev: string; table?: string; gateway?: string }[]>(ns, 'route', 'get', to, 'from', from);
  return `${r.dev} table ${r.table ?? 'main'} via ${r.gateway}`;
};
const plan = (file: string) => sb.topo(['plan', file, '--detailed-exitcode']);
const ok = async (args: string[]) => {
  const r = await sb.topo(args);
  expect(r.exitCode, `topo ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};

describe('policy routing', () => {
  it('the example: rules and tables read back, each source leaves by its uplink, topo test passes, re-apply is a no-op', async () => {
    const before = await sb.snapshot();
    const applied = await ok(['apply', FILE]);
    expect(withoutProgress(applied.stderr)).toBe('');
    expect(applied.stdout).toContain('+ rule 1000: from 10.0.1.2/32 lookup 100');

    expect(rulesText(await rules('m'))).toEqual([
      '0 all local -', '1000 10.0.1.2 100 241', '1001 10.0.2.2 101 241', '32766 all main -', '32767 all default -',
    ]);
    expect(await tableRoutes('m')).toEqual(['100 default via 10.0.1.1', '101 default via 10.0.2.1']);
    // The policy: a packet from each address leaves by that address's uplink; with no source, there is no way out.
    expect(await routeGet('m', '172.16.2.2', '10.0.1.2')).toBe('up1 table 100 via 10.0.1.1');
    expect(await routeGet('m', '172.16.1.2', '10.0.2.2')).toBe('up2 table 101 via 10.0.2.1');
    expect((await sb.run(['ip', '-n', 'm', 'route', 'get', '172.16.1.2'])).stderr).toContain('Network is unreachable');

    const tested = await sb.topo(['test', FILE, '--json']);
    expect(tested.exitCode).toBe(0);
    expect(JSON.parse(tested.stdout).results.map((r: { from: string; address: string; result: string }) => `${r.from}>${r.address}:${r.result}`))
      .toEqual(['far>10.0.1.2:reachable', 'far>10.0.2.2:reachable', 'm>172.16.1.2:unreachable']);

    const again = await ok(['apply', FILE, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);
    expect((await plan(FILE)).exitCode).toBe(0);

    await ok(['destroy', FILE]);
    expect(await sb.netns()).toEqual([]);
    expect(await sb.snapshot()).toEqual(before);
  });

  it('drift: a rule deleted, one pointed at the other table, a table route deleted by hand; apply repairs them', async () => {
    await ok(['apply', FILE]);
    const broken = await sb.sh([
      'ip -n m rule del priority 1001 from 10.0.2.2 table 101 protocol 241',
      'ip -n m rule del priority 1000 from 10.0.1.2 table 100 protocol 241',
      'ip -n m rule add priority 1000 from 10.0.1.2 table 101 protocol 241',
      'ip -n m route del default table 100',
    ].join('\n'));
    expect(broken.stderr).toBe('');
    // Each address's replies now leave by the wrong uplink, or by none: the far side gets no answer.
    expect(await sb.ping('far', '10.0.1.2')).toBe(false);
    expect(await sb.ping('far', '10.0.2.2')).toBe(false);

    const p = await plan(FILE);
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toContain('+ rule 1001: from 10.0.2.2/32 lookup 101');
    expect(p.stdout).toContain('~ rule 1000: from 10.0.1.2/32 lookup 100');
    expect(p.stdout).toContain('table: 101 -> 100');
    expect(p.stdout).toContain('+ route default via 10.0.1.1 table 100');
    expect(p.stdout).toContain('Plan: 2 to create, 1 to change, 0 to delete.');

    await ok(['apply', FILE]);
    expect(rulesText(await rules('m')).filter((r) => r.endsWith(' 241'))).toEqual(['1000 10.0.1.2 100 241', '1001 10.0.2.2 101 241']);
    expect(await tableRoutes('m')).toEqual(['100 default via 10.0.1.1', '101 default via 10.0.2.1']);
    expect(await sb.ping('far', '10.0.1.2')).toBe(true);
    expect(await sb.ping('far', '10.0.2.2')).toBe(true);
    expect((await plan(FILE)).exitCode).toBe(0);
  });

  it('prune: rules and table routes removed from the file go; rules and routes that are not the lab\'s stay', async () => {
    await ok(['apply', FILE]);
    const others = await sb.sh([
      'ip -n m rule add priority 2000 from 10.0.9.0/24 table 101', // no protocol: someone else's
      'ip -n m rule add priority 2001 from 10.0.8.0/24 table 101 protocol static',
      'ip -n m route add 10.0.9.0/24 via 10.0.2.1 table 101', // protocol boot
    ].join('\n'));
    expect(others.stderr).toBe('');
    const file = edited('one-uplink', (doc) => {
      doc.namespaces.m.rules = doc.namespaces.m.rules.slice(0, 1);
      doc.namespaces.m.routes = doc.namespaces.m.routes.slice(0, 1);
      doc.tests = doc.tests.filter((t: { ping: string }) => t.ping !== '10.0.2.2');
    });
    const applied = await ok(['apply', file]);
    expect(applied.stdout).toContain('- rule 1001: from 10.0.2.2/32 lookup 101');
    expect(applied.stdout).toContain('- route default via 10.0.2.1 dev up2 table 101');
    expect(rulesText(await rules('m'))).toEqual([
      '0 all local -', '1000 10.0.1.2 100 241', '2000 10.0.9.0/24 101 -', '2001 10.0.8.0/24 101 static', '32766 all main -', '32767 all default -',
    ]);
    // (Added without a protocol: boot, which ip doesn't print.)
    expect(await sb.ipJson<Route[]>('m', 'route', 'show', 'table', '101')).toEqual([{ dst: '10.0.9.0/24', gateway: '10.0.2.1', dev: 'up2', flags: [] }]);
    expect((await plan(file)).exitCode).toBe(0);
    expect(await sb.ping('far', '10.0.2.2')).toBe(false);
    expect(await sb.ping('far', '10.0.1.2')).toBe(true);
  });

  it('every rule dropped from the file: pruned (the record says where to read them), also with a record from before it listed them', async () => {
    const none = edited('no-rules', (doc) => { delete doc.namespaces.m.rules; });
    const ours = async () => rulesText(await rules('m')).filter((r) => r.endsWith(' 241'));
    await ok(['apply', FILE]);
    const record = JSON.parse((await sb.run(['cat', STATE])).stdout);
    expect(record.objects).toEqual(expect.arrayContaining(['rule:m/4/1000', 'rule:m/4/1001']));
    expect((await ok(['apply', none])).stdout).toContain('- rule 1000: from 10.0.1.2/32 lookup 100');
    expect(await ours()).toEqual([]);
    expect((await plan(none)).exitCode).toBe(0);

    // A record written before version 4 lists none of the lab's IPv4 rules: they are read in every namespace.
    await ok(['apply', FILE]);
    const old = JSON.parse((await sb.run(['cat', STATE])).stdout);
    const v3 = { ...old, version: 3, objects: old.objects.filter((k: string) => !k.startsWith('rule:m/4/')) };
    expect((await sb.run(['sh', '-c', `cat > ${STATE}`], { input: JSON.stringify(v3) })).exitCode).toBe(0);
    expect((await ok(['apply', none])).stdout).toContain('- rule 1001: from 10.0.2.2/32 lookup 101');
    expect(await ours()).toEqual([]);
    const now = JSON.parse((await sb.run(['cat', STATE])).stdout);
    expect([now.version, 'unlisted' in now]).toEqual([4, false]); // written anew: it lists what the lab has
  });

  it('a rule not the lab\'s at a declared priority is a conflict, never touched; the lab\'s own beside it are kept', async () => {
    await ok(['apply', FILE]);
    const setup = await sb.sh('ip -n m rule del priority 1001 from 10.0.2.2 table 101 protocol 241\nip -n m rule add priority 1001 from 10.0.2.2 table 101');
    expect(setup.stderr).toBe('');
    const before = await rules('m');

    const r = await sb.topo(['apply', FILE]);
    expect(r.exitCode).toBe(1);
    // Not "another lab's" (it sits in this lab's namespace), not the lab's (no mark): someone added it there.
    expect(r.stderr).toContain('rule 1001: from 10.0.2.2/32 lookup 101 in m was added in lab "policy-routing"\'s namespace m by someone else');
    const json = JSON.parse((await sb.topo(['plan', FILE, '--json'])).stdout).error;
    expect(json.code).toBe('E_NOT_OWNED');
    expect(json.conflicts).toEqual([{ key: 'rule:m/4/1001', label: '1001: from 10.0.2.2/32 lookup 101', ns: 'm',
      holder: 'rule 1001: from 10.0.2.2/32 lookup 101 in m', path: '/namespaces/m/rules/1' }]);
    expect(await rules('m')).toEqual(before);

    // Once it is gone, the lab's own goes back at that priority.
    expect((await sb.run(['ip', '-n', 'm', 'rule', 'del', 'priority', '1001', 'from', '10.0.2.2', 'table', '101'])).exitCode).toBe(0);
    await ok(['apply', FILE]);
    expect(rulesText(await rules('m'))).toContain('1001 10.0.2.2 101 241');
  });

  it('host rules: created marked and recorded, another\'s never taken for the lab\'s, deleted in full on destroy', async () => {
    const hostLab = join(dir, 'host-rules.yaml');
    writeFileSync(hostLab, [
      'name: host-rules',
      'tables: { lab: 150 }',
      'namespaces:',
      '  host:',
      '    routes: [{ to: default, via: 10.7.0.2, table: lab }]',
      '    rules:',
      '      - { priority: 500, from: 10.7.0.0/24, table: lab }',
      '      - { priority: 501, to: 192.0.2.0/24, action: prohibit }',
      '  n: {}',
      'veths:',
      '  - ends: [{ name: h0, addresses: [10.7.0.1/24] }, { name: n0, namespace: n, addresses: [10.7.0.2/24] }]',
      '',
    ].join('\n'));
    // Someone else's rules: one marked like the lab's but not in its record (another lab), one unmarked, at 501.
    expect((await sb.sh('ip rule add priority 501 to 192.0.2.0/24 prohibit protocol 241\nip rule add priority 600 from 10.6.0.0/16 table 150 protocol 241')).stderr).toBe('');
    const conflict = await sb.topo(['apply', hostLab]);
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain('rule 501: to 192.0.2.0/24 prohibit in host');
    expect((await sb.run(['ip', 'rule', 'del', 'priority', '501', 'to', '192.0.2.0/24', 'prohibit', 'protocol', '241'])).exitCode).toBe(0);

    await ok(['apply', hostLab]);
    expect(rulesText(await rules('host')).filter((r) => r.endsWith(' 241'))).toEqual([
      '500 10.7.0.0/24 150 241', '501 all to 192.0.2.0/24 prohibit 241', '600 10.6.0.0/16 150 241',
    ]);
    expect(JSON.parse((await sb.run(['cat', '/run/topo/host-rules.json'])).stdout).objects)
      .toEqual(['route:host/0.0.0.0/0/0/150', 'rule:host/4/500', 'rule:host/4/501']);
    expect((await plan(hostLab)).exitCode).toBe(0);

    // The rule at 600 carries the lab's protocol but was never the lab's: destroy leaves it (and the defaults).
    await ok(['destroy', hostLab]);
    expect(rulesText(await rules('host'))).toEqual(['0 all local -', '600 10.6.0.0/16 150 241', '32766 all main -', '32767 all default -']);
    expect(await tableRoutes('host')).toEqual([]);
  });

  it('IPv6 rules: added with ip -6, read back, a no-op again, pruned when the file drops them (the record says where to read)', async () => {
    const file = edited('v6', (doc) => {
      doc.veths[0].ends[0].addresses.push('fd01::2/64');
      doc.veths[0].ends[1].addresses.push('fd01::1/64');
      doc.namespaces.m.routes.push({ to: 'default', via: 'fd01::1', table: 'uplink1' });
      doc.namespaces.m.rules.push({ priority: 1000, from: 'fd01::2', table: 'uplink1' }, { priority: 1010, to: 'fd09::/64', action: 'unreachable' });
    });
    await ok(['apply', file]);
    expect(rulesText(await rules('m', true))).toEqual(['0 all local -', '1000 fd01::2 100 241', '1010 all to fd09::/64 unreachable 241', '32766 all main -']);
    expect(JSON.parse((await sb.run(['cat', STATE])).stdout).objects).toEqual(['rule:m/4/1000', 'rule:m/4/1001', 'rule:m/6/1000', 'rule:m/6/1010']);
    expect(await routeGet('m', 'fd09:1::1', 'fd01::2')).toBe('up1 table 100 via fd01::1');
    expect((await plan(file)).exitCode).toBe(0);

    // A hand change is drift in IPv6 too.
    expect((await sb.sh('ip -6 -n m rule del priority 1010 to fd09::/64 unreachable protocol 241\nip -6 -n m rule add priority 1010 to fd09::/64 blackhole protocol 241')).stderr).toBe('');
    const p = await plan(file);
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toContain('action: blackhole -> unreachable');
    await ok(['apply', file]);

    // Back to the example, which has no IPv6 rules: only the record makes topo read them, and it prunes them.
    const applied = await ok(['apply', FILE]);
    expect(applied.stdout).toContain('- rule 1000: from fd01::2/128 lookup 100');
    expect(rulesText(await rules('m', true))).toEqual(['0 all local -', '32766 all main -']);
    expect(JSON.parse((await sb.run(['cat', STATE])).stdout).objects).toEqual(['rule:m/4/1000', 'rule:m/4/1001']); // the example's own
    expect((await plan(FILE)).exitCode).toBe(0);
  });
});

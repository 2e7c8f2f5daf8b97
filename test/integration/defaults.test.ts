// Defaults are enforced like declared values: a lab object matches what a fresh apply of the file would create.
// An MTU or up/down the file says nothing about, changed by hand, is shown by plan and repaired by apply; a
// setting removed from the file goes back to the default; an undeclared MAC is left alone (a random one can't
// be restored). A declared bridge MTU holds whatever its ports' MTUs are. All read back with ip -json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';

const lab = (extra: { endMtu?: string; brMtu?: string } = {}) => `name: defaults
namespaces:
  a: {}
  s: {}
bridges:
  br0: { namespace: s${extra.brMtu ?? ''} }
veths:
  - ends:
      - { name: a-s, namespace: a, addresses: [10.0.0.1/24]${extra.endMtu ?? ''} }
      - { name: s-a, namespace: s, bridge: br0${extra.endMtu ?? ''} }
`;

let dir: string, sb: Sandbox;
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-defaults-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const link = async (ns: string, dev: string) => (await sb.ipJson<any[]>(ns, 'link', 'show', 'dev', dev))[0];
const apply = async (f: string) => { const r = await sb.topo(['apply', f]); expect(r.exitCode, r.stdout + r.stderr).toBe(0); };

describe('defaults are enforced like declared values', () => {
  it('MTU and up changed by hand on objects whose file says nothing: plan shows them, apply repairs them; the MAC is left', async () => {
    const f = file('plain.yaml', lab());
    await apply(f);
    const mac = '02:00:00:00:00:99';
    const e = await sb.sh(`ip -n a link set dev a-s mtu 1400 down address ${mac}; ip -n s link set dev br0 mtu 1400; ip -n s link set dev s-a mtu 1450`);
    expect(e.exitCode, e.stderr).toBe(0);
    const plan = await sb.topo(['plan', f, '--detailed-exitcode']);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ veth-end a-s (up: false -> true, mtu: 1400 -> 1500)');
    expect(plan.stdout).toContain('~ veth-end s-a (mtu: 1450 -> 1500)');
    expect(plan.stdout).toContain('~ bridge br0 (mtu: 1400 -> 1500)');
    expect(plan.stdout).not.toMatch(/mac/);
    await apply(f);
    expect(await link('a', 'a-s')).toMatchObject({ mtu: 1500, address: mac });
    expect((await link('a', 'a-s')).flags).toContain('UP');
    expect((await link('s', 's-a')).mtu).toBe(1500);
    expect((await link('s', 'br0')).mtu).toBe(1500);
    expect((await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('an MTU removed from the file goes back to what a fresh apply gives (veth ends 1500, the bridge its ports\')', async () => {
    await apply(file('jumbo.yaml', lab({ endMtu: ', mtu: 9000' })));
    expect((await link('s', 'br0')).mtu).toBe(9000); // following its ports
    const f = file('plain.yaml', lab());
    const plan = await sb.topo(['plan', f]);
    expect(plan.stdout).toContain('~ veth-end a-s (mtu: 9000 -> 1500)');
    await apply(f);
    for (const [ns, dev] of [['a', 'a-s'], ['s', 's-a'], ['s', 'br0']]) expect((await link(ns, dev)).mtu, dev).toBe(1500);
  });

  it('a declared bridge MTU holds, above or equal to what its ports would give it', async () => {
    await apply(file('br9000.yaml', lab({ brMtu: ', mtu: 9000' })));
    expect((await link('s', 'br0')).mtu).toBe(9000);
    await sb.topo(['destroy', join(dir, 'br9000.yaml')]);
    const f = file('br1500.yaml', lab({ brMtu: ', mtu: 1500', endMtu: ', mtu: 9000' }));
    await apply(f);
    expect((await link('s', 'br0')).mtu).toBe(1500);
    expect((await link('s', 's-a')).mtu).toBe(9000);
    expect((await sb.topo(['plan', f, '--detailed-exitcode'])).exitCode).toBe(0);
  });
});

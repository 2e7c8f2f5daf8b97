// `promisc:` on the lab's interfaces (veth ends and bridges): held to the PROMISC flag read back (never the
// promiscuity count, which a bridge port raises by itself), set at creation, repaired when changed by hand, and held
// off when the file doesn't say. Live shapes from test/fixtures/kernel/promisc (captured on kernel 6.18).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IpLink } from '../../src/core/live.js';
import { planFrom } from '../../src/kinds/index.js';
import { isPromisc } from '../../src/kinds/common.js';
import type { Topology } from '../../src/model.js';
import { ALIAS, LAB, bridge, ctxOf, emptyHost, lo, ns, snapshot, veth } from './live-fixtures.js';

const fixture = (name: string): IpLink => JSON.parse(readFileSync(new URL(`../fixtures/kernel/promisc/${name}`, import.meta.url), 'utf8'))[0];

const topo = (o: { a?: boolean; b?: boolean; br?: boolean } = {}): Topology => ({
  name: LAB,
  namespaces: { a: { bridges: { br0: o.br === undefined ? {} : { promisc: o.br } } }, b: {} },
  veths: [{ ends: [{ name: 'p0', namespace: 'a', bridge: 'br0', ...(o.a === undefined ? {} : { promisc: o.a }) },
    { name: 'e0', namespace: 'b', ...(o.b === undefined ? {} : { promisc: o.b }) }] }],
});
const flags = (on: boolean) => ['BROADCAST', 'MULTICAST', ...(on ? ['PROMISC'] : []), 'UP', 'LOWER_UP'];
/** The lab applied, with each interface's PROMISC flag as given. */
const live = (o: { a?: boolean; b?: boolean; br?: boolean } = {}) => snapshot(emptyHost(),
  ns('a', [lo(), bridge('br0', 3, { flags: flags(!!o.br) }), veth('p0', 2, 2, 0, { master: 'br0', flags: flags(!!o.a) })], { nsids: { 0: 'b' } }),
  ns('b', [lo(), veth('e0', 2, 2, 0, { flags: flags(!!o.b) })], { nsids: { 0: 'a' } }));
const steps = (t: Topology, s = live()) => planFrom(t, s, ctxOf()).plan.steps.filter((x) => x.cmds.length);
const lines = (t: Topology, s = live()) => steps(t, s).flatMap((x) => x.cmds.map((c) => `${c.ns}: ${c.args.join(' ')}`));

describe('promisc: read back', () => {
  it('is the PROMISC flag, not the promiscuity count (a bridge port counts 1 for its bridge without the flag)', () => {
    expect(isPromisc(fixture('veth-promisc-on.json'))).toBe(true);
    expect(isPromisc(fixture('veth-promisc-on-bridge-port.json'))).toBe(true); // promiscuity 2
    const off = fixture('veth-promisc-off-bridge-port.json');
    expect(off.flags).not.toContain('PROMISC');
    expect((off as unknown as { promiscuity: number }).promiscuity).toBe(1);
    expect(isPromisc(off)).toBe(false);
  });
});

describe('promisc: planning', () => {
  it('at creation: on the bridge\'s `link add`, on the far end\'s settings line, and a line of its own for the end that ran `link add`', () => {
    const made = lines(topo({ a: true, b: true, br: true }), snapshot(emptyHost()));
    expect(made).toContain(`a: link add name br0 group ${ctxOf().lab.group} promisc on type bridge`);
    expect(made).toContain('a: link set dev p0 promisc on'); // p0 (a bridge port) runs the pair's `link add`
    expect(made).toContain(`b: link set dev e0 alias ${ALIAS} up promisc on`);
  });

  it('undeclared: nothing at creation, and a lab applied that way is converged', () => {
    expect(lines(topo(), snapshot(emptyHost())).filter((l) => l.includes('promisc'))).toEqual([]);
    expect(steps(topo())).toEqual([]);
    expect(steps(topo({ a: false, b: false, br: false }))).toEqual([]);
  });

  it('declared and applied: converged; turned off by hand: repaired with `promisc on`', () => {
    expect(steps(topo({ a: true, br: true }), live({ a: true, br: true }))).toEqual([]);
    const s = steps(topo({ a: true, br: true }), live({ a: false, br: true }));
    expect(s.map((x) => [x.kind, x.label, x.fields])).toEqual([['veth-end', 'p0', [['promisc', false, true]]]]);
    expect(s[0].cmds[0].args).toEqual(['link', 'set', 'dev', 'p0', 'promisc', 'on']);
    expect(s[0].cmds[0].undo![0].args).toEqual(['link', 'set', 'dev', 'p0', 'promisc', 'off']);
  });

  it('turned on by hand where the file says nothing: held off (the default a fresh apply gives)', () => {
    const s = steps(topo(), live({ b: true, br: true }));
    expect(s.map((x) => [x.kind, x.label, x.fields])).toEqual([
      ['bridge', 'br0', [['promisc', true, false]]], ['veth-end', 'e0', [['promisc', true, false]]]]);
    expect(lines(topo(), live({ b: true, br: true }))).toEqual(['a: link set dev br0 promisc off', 'b: link set dev e0 promisc off']);
  });
});

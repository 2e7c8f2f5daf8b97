// veth ends are paired by (peer ifindex, peer namespace via link_netnsid), never by ifindex alone: every
// namespace numbers its interfaces from 1, so the same ifindex pair shows up in many namespaces.
import { describe, expect, it } from 'vitest';
import { planFrom } from '../../src/kinds/index.js';
import { vethKind } from '../../src/kinds/veth.js';
import { visibleSteps } from '../../src/render/plan.js';
import type { Topology } from '../../src/model.js';
import { LAB, ctxOf, emptyHost, lo, ns, snapshot, veth } from './live-fixtures.js';

const keys = (snap: ReturnType<typeof snapshot>) => vethKind.live(snap, ctxOf()).map((r) => r.key).sort();

describe('veth pairing by netnsid', () => {
  // Two pairs with identical ifindex/link_index numbers; the namespaces are listed so that pairing by ifindex alone
  // would join x (in a) with z (in c).
  const snap = snapshot(emptyHost(),
    ns('a', [lo(), veth('x', 2, 2, 0)], { nsids: { 0: 'b', 1: 'c', 2: 'd' } }),
    ns('c', [lo(), veth('z', 2, 2, 7)], { nsids: { 7: 'd', 8: 'a' } }),
    ns('b', [lo(), veth('y', 2, 2, 3)], { nsids: { 3: 'a' } }),
    ns('d', [lo(), veth('w', 2, 2, 0)], { nsids: { 0: 'c' } }));

  it('joins each end to the peer in the namespace its link_netnsid names', () => {
    expect(keys(snap)).toEqual(['veth:a/x|b/y', 'veth:c/z|d/w']);
  });

  it('a lab of those two pairs, read back, plans no changes', () => {
    const topo: Topology = {
      name: LAB, namespaces: { a: {}, b: {}, c: {}, d: {} },
      veths: [{ ends: [{ name: 'x', namespace: 'a' }, { name: 'y', namespace: 'b' }] },
        { ends: [{ name: 'z', namespace: 'c' }, { name: 'w', namespace: 'd' }] }],
    };
    const { plan, conflicts } = planFrom(topo, snap, ctxOf());
    expect(conflicts).toEqual([]);
    expect(visibleSteps(plan)).toEqual([]);
  });

  it('a peer in the host (an id the namespace has no name for) is the host end', () => {
    const s = snapshot(ns('host', [lo(''), veth('veth-h', 9, 2, 0)], { nsids: { 0: 'a' } }),
      ns('a', [lo(), veth('veth-a', 2, 9, 0)], { nsids: {} }));
    expect(keys(s)).toEqual(['veth:a/veth-a|host/veth-h']);
  });

  it('both ends in one namespace (no link_netnsid) pair with each other', () => {
    const s = snapshot(emptyHost(), ns('a', [lo(), veth('p', 2, 3), veth('q', 3, 2)]));
    expect(keys(s)).toEqual(['veth:a/p|a/q']);
  });

  it("an end whose peer the lab doesn't own is a broken pair: deleted from the end it owns", () => {
    const s = snapshot(emptyHost(),
      ns('a', [lo(), veth('mine', 2, 2, 0)], { nsids: { 0: 'b' } }),
      ns('b', [lo(), veth('theirs', 2, 2, 0, { ifalias: 'topo:other' })], { nsids: { 0: 'a' } }));
    const topo: Topology = { name: LAB, namespaces: { a: {}, b: {} } };
    const { plan } = planFrom(topo, s, ctxOf());
    const del = visibleSteps(plan).filter((st) => st.kind === 'veth');
    expect(del.map((st) => [st.op, st.key])).toEqual([['delete', 'veth:?/?|a/mine']]);
    expect(del[0].cmds.map((c) => [c.ns, ...c.args])).toEqual([['a', 'link', 'del', 'dev', 'mine']]);
    // the other lab's interface is not touched
    expect(JSON.stringify(visibleSteps(plan))).not.toContain('theirs');
  });
});

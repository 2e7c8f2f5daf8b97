// Reading `ip netns list` costs a lookup per namespace on the machine, so outside the host it is read only where
// the lab's veth ends can't be paired without it (kinds/veth.ts namespacesToResolve); and destroy does not read
// the namespaces it deletes whole (NsLive.shallow), so a host end whose peer is in one must go with it.
import { describe, expect, it } from 'vitest';
import { planFrom } from '../../src/kinds/index.js';
import type { NsLive } from '../../src/core/live.js';
import { namespacesToResolve, vethKind } from '../../src/kinds/veth.js';
import { visibleSteps } from '../../src/render/plan.js';
import { ctxOf, emptyHost, lo, ns, snapshot, veth } from './live-fixtures.js';

/** A namespace read without its nsids (as read-live does outside the host). */
const unresolved = (n: NsLive): NsLive => ({ ...n, nsids: undefined });

describe('nsids only where pairing needs them', () => {
  it('ends paired with host ends (checked through the host nsids) need none', () => {
    const host = ns('host', [lo(''), veth('h1', 3, 2, 0), veth('h2', 4, 2, 1)], { nsids: { 0: 'u1', 1: 'u2' } });
    const snap = snapshot(host, unresolved(ns('u1', [lo(), veth('e1', 2, 3, 0)])), unresolved(ns('u2', [lo(), veth('e2', 2, 4, 0)])));
    expect(namespacesToResolve(snap, ctxOf())).toEqual([]);
    expect(vethKind.live(snap, ctxOf()).map((r) => r.key).sort()).toEqual(['veth:host/h1|u1/e1', 'veth:host/h2|u2/e2']);
  });

  it('one pair between two namespaces whose numbers match nothing else needs none', () => {
    const snap = snapshot(emptyHost(), unresolved(ns('a', [lo(), veth('x', 2, 2, 0)])), unresolved(ns('b', [lo(), veth('y', 2, 2, 0)])));
    expect(namespacesToResolve(snap, ctxOf())).toEqual([]);
    expect(vethKind.live(snap, ctxOf()).map((r) => r.key)).toEqual(['veth:a/x|b/y']);
  });

  it('pairs whose ifindex numbers repeat across namespaces need the nsids of every namespace involved', () => {
    const snap = snapshot(emptyHost(),
      unresolved(ns('a', [lo(), veth('x', 2, 2, 0)])), unresolved(ns('b', [lo(), veth('y', 2, 2, 0)])),
      unresolved(ns('c', [lo(), veth('z', 2, 2, 0)])), unresolved(ns('d', [lo(), veth('w', 2, 2, 0)])));
    expect(namespacesToResolve(snap, ctxOf()).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('once read, the nsids pair them exactly (a with b, c with d) and nothing more is needed', () => {
    const snap = snapshot(emptyHost(),
      ns('a', [lo(), veth('x', 2, 2, 0)], { nsids: { 0: 'b' } }), ns('c', [lo(), veth('z', 2, 2, 0)], { nsids: { 0: 'd' } }),
      ns('b', [lo(), veth('y', 2, 2, 0)], { nsids: { 0: 'a' } }), ns('d', [lo(), veth('w', 2, 2, 0)], { nsids: { 0: 'c' } }));
    expect(namespacesToResolve(snap, ctxOf())).toEqual([]);
    expect(vethKind.live(snap, ctxOf()).map((r) => r.key).sort()).toEqual(['veth:a/x|b/y', 'veth:c/z|d/w']);
  });
});

describe('destroy: namespaces deleted whole are not read', () => {
  it('a host end whose peer is in such a namespace goes with the namespace: no `link del` of its own', () => {
    const host = ns('host', [lo(''), veth('h1', 3, 2, 0), veth('h2', 4, 2, 1)], { nsids: { 0: 'u1', 1: 'u2' } });
    const shallow = (name: string): NsLive => ({ name, links: [], routes: [], sysctls: {}, nsids: {}, shallow: true });
    const snap = snapshot(host, shallow('u1'), shallow('u2'));
    const { plan } = planFrom(undefined, snap, ctxOf({ namespaces: ['u1', 'u2'] }));
    const cmds = visibleSteps(plan).flatMap((s) => s.cmds.map((c) => [c.ns, ...c.args].join(' ')));
    expect(cmds.sort()).toEqual(['host netns del u1', 'host netns del u2']);
  });

  it('a host end whose peer namespace was read (not deleted whole) and is gone is still deleted on its own', () => {
    const host = ns('host', [lo(''), veth('h1', 3, 2, 0)], { nsids: {} });
    const { plan } = planFrom(undefined, snapshot(host), ctxOf());
    expect(visibleSteps(plan).flatMap((s) => s.cmds.map((c) => [c.ns, ...c.args].join(' ')))).toEqual(['host link del dev h1']);
  });
});

// One `ip link del group G` replaces the per-link deletions in a namespace only when every interface of the lab's
// group there is going (src/core/group-delete.ts); anything else carrying the group keeps them.
import { describe, expect, it } from 'vitest';
import { labIdentity } from '../../src/core/lab.js';
import type { NsLive } from '../../src/core/live.js';
import { planFrom } from '../../src/kinds/index.js';
import { summary, visibleSteps } from '../../src/render/plan.js';
import { bridge, ctxOf, LAB, lo, ns, snapshot, veth } from './live-fixtures.js';

const G = String(labIdentity(LAB).group);
const inGroup = { group: G };
const shallow = (name: string): NsLive => ({ name, links: [], routes: [], sysctls: {}, nsids: {}, shallow: true });
const cmdsOf = (p: ReturnType<typeof planFrom>['plan']) =>
  visibleSteps(p).flatMap((s) => s.cmds.map((c) => [c.ns, ...c.args].join(' '))).sort();

/** The host of a star lab being destroyed: a bridge and two veth ends whose peers are in u1 and u2. */
const starHost = (...extra: Parameters<typeof veth>[]) => ns('host', [lo(''),
  bridge('br0', 2, inGroup), veth('h1', 3, 2, 0, { ...inGroup, master: 'br0' }), veth('h2', 4, 2, 1, { ...inGroup, master: 'br0' }),
  ...extra.map((a) => veth(...a))], { nsids: { 0: 'u1', 1: 'u2', 2: 'other' } });

describe('link deletions grouped into one `link del group`', () => {
  it('destroy: the bridge and the host ends of veths into deleted namespaces go in one command, then the namespaces', () => {
    const { plan } = planFrom(undefined, snapshot(starHost(), shallow('u1'), shallow('u2')), ctxOf({ namespaces: ['u1', 'u2'] }));
    expect(cmdsOf(plan)).toEqual([`host link del group ${G}`, 'host netns del u1', 'host netns del u2']);
    const step = plan.steps.find((s) => s.kind === 'link-group')!;
    expect(step.stage).toBe('unlink');
    expect(step.label).toBe(`${G}: br0, h1, h2 (3 interfaces)`);
    // What it deletes, as a live resource like any other deletion's (rollback and rendering read it).
    expect(step.live?.claims).toEqual(['link:host/br0', 'link:host/h1', 'link:host/h2']);
    // Counted as the objects it removes: the bridge and two veth pairs, plus the two namespaces.
    expect(summary(plan)).toEqual({ create: 0, update: 0, delete: 5 });
  });

  it('a link of someone else in the same group keeps the per-link deletions (the group command would take it)', () => {
    const foreign: Parameters<typeof veth> = ['x1', 9, 3, 2, { ...inGroup, ifalias: 'not-ours' }];
    const { plan } = planFrom(undefined, snapshot(starHost(foreign), shallow('u1'), shallow('u2'), shallow('other')),
      ctxOf({ namespaces: ['u1', 'u2'] }));
    expect(cmdsOf(plan)).toEqual(['host link del dev br0', 'host netns del u1', 'host netns del u2']);
  });

  it('a link of the lab that stays (an edit, not a destroy) keeps the per-link deletions', () => {
    const topo = { name: LAB, bridges: { br0: null } };
    const { plan } = planFrom(topo, snapshot(starHost(), shallow('u1'), shallow('u2')), ctxOf({ namespaces: ['u1', 'u2'] }));
    expect(cmdsOf(plan)).toEqual(['host netns del u1', 'host netns del u2']);
  });

  it('a single interface is deleted by name', () => {
    const host = ns('host', [lo(''), bridge('br0', 2, inGroup)]);
    const { plan } = planFrom(undefined, snapshot(host), ctxOf());
    expect(cmdsOf(plan)).toEqual(['host link del dev br0']);
  });
});

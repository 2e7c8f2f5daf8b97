// Interfaces the lab doesn't own inside a namespace the plan deletes are listed (the plan must not run): someone's
// veth moved in, an interface without a kind; not lo, not the lab's own, not the kernel's fallback tunnel devices.
import { describe, expect, it } from 'vitest';
import { planFrom } from '../../src/kinds/index.js';
import { ctxOf, lo, ns, snapshot, veth } from './live-fixtures.js';

describe('foreign interfaces in namespaces to delete', () => {
  it('are listed, except lo, the lab\'s own and the kernel\'s fallback devices', () => {
    const ctx = ctxOf({ namespaces: ['u1'] });
    const u1 = ns('u1', [lo(ctx.lab.alias), veth('mine', 2, 3), veth('moved', 4, 5, undefined, { ifalias: undefined }),
      { ifindex: 6, ifname: 'eth7' }, { ifindex: 7, ifname: 'sit0', linkinfo: { info_kind: 'sit' } },
      { ifindex: 8, ifname: 'tunl0', linkinfo: { info_kind: 'bridge' } }]);
    const { inside } = planFrom(undefined, snapshot(ns('host', [lo('')]), u1), ctx);
    expect(inside).toEqual([
      { ns: 'u1', ifname: 'moved', kind: 'veth' }, { ns: 'u1', ifname: 'eth7', kind: 'device' }, { ns: 'u1', ifname: 'tunl0', kind: 'bridge' }]);
  });

  it('are not looked for in namespaces that stay', () => {
    const ctx = ctxOf({ namespaces: ['u1'] });
    const u1 = ns('u1', [lo(ctx.lab.alias), veth('moved', 4, 5, undefined, { ifalias: undefined })]);
    expect(planFrom({ name: ctx.lab.name, namespaces: { u1: {} } }, snapshot(ns('host', [lo('')]), u1), ctx).inside).toEqual([]);
  });
});

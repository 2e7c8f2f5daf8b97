// Bridge options (kinds/bridge-options.ts through the bridge kind): read from linkinfo.info_data as the kernel
// prints it (test/fixtures/kernel/bridge, captured on kernel 6.18 at HZ=250), timers compared with the kernel's
// rounding (an odd centisecond value reads back one lower), set on `link add` only where they differ from the
// kernel's defaults, changed in place in the order the kernel needs, held to the defaults when left out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IpLink } from '../../src/core/live.js';
import { planFrom } from '../../src/kinds/index.js';
import { DEFAULTS, liveOptions } from '../../src/kinds/bridge-options.js';
import type { NsBridgeSpec, Topology } from '../../src/model.js';
import { ALIAS, LAB, ctxOf, emptyHost, lo, ns, snapshot } from './live-fixtures.js';

const fixture = (name: string): IpLink => JSON.parse(readFileSync(new URL(`../fixtures/kernel/bridge/${name}`, import.meta.url), 'utf8'))[0];
/** A captured bridge as the lab's: marked, named br0, up. */
const ours = (name: string, info?: Record<string, number>): IpLink => {
  const l = fixture(name) as IpLink & { linkinfo: { info_data: Record<string, number> } };
  return { ...l, ifname: 'br0', ifalias: ALIAS, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500,
    linkinfo: { ...l.linkinfo, info_data: { ...l.linkinfo.info_data, ...info } } } as IpLink;
};
const topo = (b: NsBridgeSpec = {}): Topology => ({ name: LAB, namespaces: { a: { bridges: { br0: b } } } });
const live = (br: IpLink) => snapshot(emptyHost(), ns('a', [lo(), br]));
const plan = (t: Topology, s = snapshot(emptyHost())) => planFrom(t, s, ctxOf()).plan.steps.filter((x) => x.kind === 'bridge');
const lines = (t: Topology, s?: ReturnType<typeof live>) => plan(t, s).flatMap((x) => x.cmds.map((c) => c.args.join(' ')));
const GROUP = ctxOf().lab.group;

describe('bridge options: read back', () => {
  it('a new bridge has the defaults topo holds undeclared options to', () => {
    expect(liveOptions(fixture('br1-defaults.json'))).toEqual(DEFAULTS);
  });

  it('timers in seconds (the kernel prints centiseconds), flags as booleans; an option not printed is absent', () => {
    expect(liveOptions(fixture('br0-created-with-options.json'))).toEqual({
      stp: true, forward_delay: 4, hello_time: 2, max_age: 20, ageing_time: 123.44, mcast_snooping: false, vlan_filtering: false });
    expect(liveOptions({ ifindex: 1, ifname: 'br0', linkinfo: { info_kind: 'bridge' } })).toEqual({});
  });

  it('no ageing_time during an STP topology change (the kernel prints 2 x forward_delay until it ends)', () => {
    const during = ours('br0-created-with-options.json', { topology_change: 1, ageing_time: 800 });
    expect(liveOptions(during)).toEqual({ stp: true, forward_delay: 4, hello_time: 2, max_age: 20, mcast_snooping: false, vlan_filtering: false });
    expect(plan(topo({ stp: true, forward_delay: 4, ageing_time: 123.45, mcast_snooping: false }), live(during))).toEqual([]);
    // Any other option changed meanwhile: ageing_time is set again too (STP turned off keeps the fast ageing).
    const [s] = plan(topo({ ageing_time: 123.45 }), live(during));
    expect(s.fields).toEqual([['stp', true, false], ['forward_delay', 4, 15], ['mcast_snooping', false, true], ['ageing_time', undefined, 123.45]]);
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual([
      'link set dev br0 type bridge stp_state 0', 'link set dev br0 type bridge forward_delay 1500 ageing_time 12345 mcast_snooping 1']);
  });
});

describe('bridge options: planning', () => {
  const OPTS = { stp: true, forward_delay: 4, ageing_time: 123.45, mcast_snooping: false };

  it('at creation, on the `link add` line (timers in centiseconds); a bridge without options gets none', () => {
    expect(lines(topo(OPTS))[0]).toBe(`link add name br0 group ${GROUP} type bridge stp_state 1 forward_delay 400 ageing_time 12345 mcast_snooping 0`);
    expect(lines(topo())[0]).toBe(`link add name br0 group ${GROUP} type bridge`);
    // Declared at their defaults: nothing to say to the kernel either.
    expect(lines(topo({ stp: false, forward_delay: 15, hello_time: 2, max_age: 20, ageing_time: 300, mcast_snooping: true, vlan_filtering: false }))[0])
      .toBe(`link add name br0 group ${GROUP} type bridge`);
  });

  it('the bridge created that way is converged, although ageing_time 123.45 s reads back as 12344 cs (HZ=250)', () => {
    expect(plan(topo(OPTS), live(ours('br0-created-with-options.json')))).toEqual([]);
  });

  it('a timer reading back above the declared value, or more than a centisecond below, is drift', () => {
    const [above] = plan(topo({ ...OPTS, ageing_time: 123.43 }), live(ours('br0-created-with-options.json')));
    expect(above.fields).toEqual([['ageing_time', 123.44, 123.43]]);
    const [below] = plan(topo({ ...OPTS, ageing_time: 123.46 }), live(ours('br0-created-with-options.json')));
    expect(below.fields).toEqual([['ageing_time', 123.44, 123.46]]);
    expect(below.cmds.map((c) => c.args.join(' '))).toEqual(['link set dev br0 type bridge ageing_time 12346']);
  });

  it('undeclared options changed by hand are held to the defaults', () => {
    const [s] = plan(topo(), live(ours('br1-changed.json'))); // forward_delay 2 s, ageing_time 0 set by hand
    expect(s.fields).toEqual([['forward_delay', 2, 15], ['ageing_time', 0, 300]]);
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual(['link set dev br0 type bridge forward_delay 1500 ageing_time 30000']);
    expect(s.cmds[0].undo!.map((c) => c.args.join(' '))).toEqual(['link set dev br0 type bridge forward_delay 200 ageing_time 0']);
  });

  it('STP turned off runs first, alone: the kernel checks a new forward_delay against STP\'s range while STP is on', () => {
    const [s] = plan(topo({ forward_delay: 1 }), live(ours('br0-created-with-options.json')));
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual([
      'link set dev br0 type bridge stp_state 0',
      'link set dev br0 type bridge forward_delay 100 ageing_time 30000 mcast_snooping 1',
    ]);
    // The undo puts STP back last (forward_delay first, checked while STP is still off).
    expect(s.cmds[0].undo!.map((c) => c.args.join(' '))).toEqual([
      'link set dev br0 type bridge stp_state 1 forward_delay 400 ageing_time 12344 mcast_snooping 0']);
  });

  it('generic settings and options on separate lines', () => {
    const [s] = plan(topo({ mtu: 1400, stp: true }), live(ours('br1-defaults.json')));
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual(['link set dev br0 mtu 1400', 'link set dev br0 type bridge stp_state 1']);
  });

  it('vlan_filtering is never put on a command unless wanted on (this kernel refuses it even as 0), and then on a line of its own', () => {
    expect(lines(topo({ vlan_filtering: false })).join('\n')).not.toContain('vlan_filtering');
    expect(plan(topo({ vlan_filtering: false }), live(ours('br1-defaults.json')))).toEqual([]);
    const made = lines(topo({ stp: true, vlan_filtering: true }));
    expect(made.slice(0, 2)).toEqual([`link add name br0 group ${GROUP} type bridge stp_state 1`, 'link set dev br0 type bridge vlan_filtering 1']);
    const [s] = plan(topo({ stp: true, vlan_filtering: true }), live(ours('br1-defaults.json')));
    expect(s.cmds.map((c) => c.args.join(' '))).toEqual(['link set dev br0 type bridge stp_state 1', 'link set dev br0 type bridge vlan_filtering 1']);
  });

  it('a kernel that prints no bridge options (none in info_data) is not asked to change any', () => {
    const bare: IpLink = { ifindex: 3, ifname: 'br0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, ifalias: ALIAS, linkinfo: { info_kind: 'bridge' } };
    expect(plan(topo(OPTS), live(bare))).toEqual([]);
  });
});

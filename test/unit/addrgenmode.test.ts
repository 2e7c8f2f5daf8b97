// addrgenmode in the pure pipeline: the schema's check (placed at line:col), the commands of a cold apply (the
// creating end comes up with its mode, not at its `link add`; the other end and the bridge get it before their
// first up), the read it adds only for files that declare it, and the mode read from `ip -d -json link show`.
import { describe, expect, it } from 'vitest';
import { compareAddrGenMode, liveAddrGenMode, READ } from '../../src/kinds/addrgenmode.js';
import { planFrom } from '../../src/kinds/index.js';
import type { Topology } from '../../src/model.js';
import { kindIpReads } from '../../src/ops/observe.js';
import { visibleSteps } from '../../src/render/plan.js';
import { validateText } from '../../src/validate/index.js';
import { ctxOf, emptyHost, lo, ns } from './live-fixtures.js';

const TEXT = `name: agm
namespaces:
  a: {}
  b: {}
bridges:
  br0: { namespace: b, addrgenmode: none }
veths:
  - ends:
      - { name: a0, namespace: a, addresses: [10.9.0.1/24], addrgenmode: none }
      - { name: pa, namespace: b, bridge: br0, addrgenmode: none }
  - ends:
      - { name: c0, namespace: a }
      - { name: pc, namespace: b, bridge: br0 }
`;
const topo = (text = TEXT): Topology => {
  const v = validateText(text, 'agm.yaml');
  expect(v.problems).toEqual([]);
  return v.topo!;
};
const cold = (t: Topology) => visibleSteps(planFrom(t, { netns: [], ns: { host: emptyHost() } }, ctxOf({}, t.name)).plan)
  .flatMap((s) => s.cmds.map((c) => `${c.ns} ${c.args.join(' ')}`));

describe('addrgenmode', () => {
  it('the schema takes eui64, none and random, and places anything else at its line:col', () => {
    const v = validateText(TEXT.replace('addrgenmode: none }\n  - ends', 'addrgenmode: off }\n  - ends'), 'agm.yaml');
    expect(v.topo).toBeUndefined();
    expect(v.problems.map((p) => [p.pos, p.message])).toEqual([[{ line: 10, col: 61 },
      '"addrgenmode" must be one of "eui64", "none", "random", not "off"']]);
    for (const mode of ['eui64', 'random']) expect(topo(TEXT.replaceAll('addrgenmode: none', `addrgenmode: ${mode}`)).name).toBe('agm');
  });

  it('cold apply: each declared mode is given before the interface is first up; undeclared ends are as before', () => {
    const cmds = cold(topo());
    // pa (with its bridge) creates the pair: not up at `link add`, up with its mode in the config stage.
    expect(cmds.find((c) => c.includes('link add name pa'))).toMatch(/^b link add name pa group \d+ master br0 type veth peer name a0 group \d+ netns a$/);
    expect(cmds).toContain('b link set dev pa addrgenmode none up');
    expect(cmds).toContain('a link set dev a0 alias topo:agm addrgenmode none up');
    expect(cmds).toContain('b link set dev br0 alias topo:agm addrgenmode none');
    // The pair without a mode: created up, no addrgenmode anywhere.
    expect(cmds.find((c) => c.includes('link add name pc'))).toMatch(/ up master br0 type veth /);
    expect(cmds.filter((c) => /\b(pc|c0)\b/.test(c) && c.includes('addrgenmode'))).toEqual([]);
  });

  it('adds its read (`link show`) to the namespaces\' batches only for a file that declares a mode', () => {
    expect(kindIpReads(topo())).toContainEqual(READ);
    expect(kindIpReads(topo(TEXT.replaceAll(', addrgenmode: none', '')))).not.toContainEqual(READ);
    expect(kindIpReads()).not.toContainEqual(READ);
  });

  it('reads the mode from the kernel\'s document; compares only a declared mode against one the kernel printed', () => {
    const n = { ...ns('a', [lo()]), ipDocs: { [READ.name]: [{ ifname: 'lo', inet6_addr_gen_mode: 'eui64' }, { ifname: 'a0', inet6_addr_gen_mode: 'none' }, { ifname: 'x' }] } };
    expect([liveAddrGenMode(n, 'a0'), liveAddrGenMode(n, 'lo'), liveAddrGenMode(n, 'x'), liveAddrGenMode(ns('a', []), 'a0')]).toEqual(['none', 'eui64', undefined, undefined]);
    expect(compareAddrGenMode('none', 'eui64')).toEqual([['addrgenmode', 'eui64', 'none']]);
    expect([compareAddrGenMode('none', 'none'), compareAddrGenMode(undefined, 'eui64'), compareAddrGenMode('none', undefined)]).toEqual([[], [], []]);
  });
});

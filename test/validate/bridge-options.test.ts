// Bridge options and promisc in the file: the schema's ranges and types, and the checks it can't express (two
// decimals, STP's forward_delay range, a kernel built without VLAN filtering), each at its line:col.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const lab = (opts: string) => `name: lab
namespaces:
  a:
    bridges:
      br0: { ${opts} }
`;
const problems = (text: string, o = {}) => validateText(text, 'lab.yaml', o).problems;
const one = (text: string, o = {}) => {
  const ps = problems(text, o);
  expect(ps, formatProblems('lab.yaml', ps)).toHaveLength(1);
  return { where: at(ps[0]), text: formatProblems('lab.yaml', ps) };
};

describe('bridge options: valid', () => {
  it('every option, in seconds with up to two decimals, under a namespace and at the top level', () => {
    const all = 'stp: true, forward_delay: 2.5, hello_time: 1, max_age: 6.02, ageing_time: 0, mcast_snooping: false, vlan_filtering: false, promisc: true';
    expect(problems(lab(all))).toEqual([]);
    expect(problems(`name: lab\nbridges:\n  br0: { namespace: host, ${all} }\n`)).toEqual([]);
  });

  it('forward_delay below 2 s without STP (where it does nothing), and vlan_filtering on a kernel that can\'t be asked', () => {
    expect(problems(lab('forward_delay: 0'))).toEqual([]);
    expect(problems(lab('vlan_filtering: true'))).toEqual([]);
    expect(problems(lab('vlan_filtering: true'), { kernelConfig: () => undefined })).toEqual([]);
    expect(problems(lab('vlan_filtering: true'), { kernelConfig: (o: string) => o === 'BRIDGE_VLAN_FILTERING' })).toEqual([]);
  });
});

describe('bridge options: refused', () => {
  it('more than two decimals', () => {
    const p = one(lab('ageing_time: 1.234'));
    expect(p.where).toBe('5:27');
    expect(p.text).toContain('error: ageing_time 1.234: at most two decimals (the kernel counts hundredths of a second)');
    expect(p.text).toContain('hint: write 1.23');
  });

  it('forward_delay outside 2..30 s with stp on', () => {
    const p = one(lab('stp: true, forward_delay: 1.5'));
    expect(p.where).toBe('5:40');
    expect(p.text).toContain('forward_delay 1.5: with stp on, the kernel accepts 2 to 30 seconds');
  });

  it('ranges the kernel enforces, by the schema: hello_time 1..10, max_age 6..40, forward_delay up to 30', () => {
    expect(one(lab('hello_time: 0.5'))).toMatchObject({ where: '5:26', text: expect.stringContaining('"hello_time" must be between 1 and 10, not 0.5') });
    expect(one(lab('max_age: 41')).text).toContain('"max_age" must be between 6 and 40, not 41');
    expect(one(lab('forward_delay: 31')).text).toContain('"forward_delay" must be between 0 and 30, not 31');
    expect(one(lab('ageing_time: -1')).text).toContain('"ageing_time" must be between 0 and 42949672, not -1');
    expect(one(lab('stp: 1')).text).toContain('"stp" must be true or false, not the number 1');
  });

  it('vlan_filtering: true where the kernel\'s configuration shows it built without VLAN filtering', () => {
    const p = one(lab('stp: false, vlan_filtering: true'), { kernelConfig: () => false });
    expect(p.where).toBe('5:42');
    expect(p.text).toContain('error: vlan_filtering: this kernel is built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not set)');
    // false is never sent to the kernel: nothing to refuse.
    expect(problems(lab('vlan_filtering: false'), { kernelConfig: () => false })).toEqual([]);
  });
});

// One kernel setting under two names (net.ipv4.ip_forward = net.ipv4.conf.all.forwarding): different values are
// refused with both places; the same value, or the names in different namespaces, are fine.
import { describe, expect, it } from 'vitest';
import { formatProblems, validateText } from '../../src/validate/index.js';

const lab = (sysctls: string, other = '') => `name: fwd\nnamespaces:\n  r:\n    sysctls: ${sysctls}\n${other}`;

describe('sysctls that are one kernel setting', () => {
  it('different values under the two names: refused, naming both places (line:column)', () => {
    const r = validateText(lab('{ net.ipv4.conf.all.forwarding: 1, net.ipv4.ip_forward: 0 }'), 'lab.yaml');
    expect(r.topo).toBeUndefined();
    expect(formatProblems('lab.yaml', r.problems)).toBe(
      'lab.yaml:4:49: error: net.ipv4.ip_forward is 0 here but net.ipv4.conf.all.forwarding is 1 at 4:16: they are one kernel'
      + ' setting under two names, so every apply would change it back and forth\n'
      + '  hint: give both the same value, or keep one of them (net.ipv4.conf.all.forwarding or net.ipv4.ip_forward)');
  });

  it('the same value (as a number or a string) under both names is valid', () => {
    expect(validateText(lab('{ net.ipv4.ip_forward: 1, net.ipv4.conf.all.forwarding: "1" }'), 'lab.yaml').problems).toEqual([]);
  });

  it('each namespace has its own: different values in two namespaces are valid', () => {
    const text = lab('{ net.ipv4.ip_forward: 1 }', '  host:\n    sysctls: { net.ipv4.conf.all.forwarding: 0 }\n');
    expect(validateText(text, 'lab.yaml').problems).toEqual([]);
  });
});

// dns: and hosts: in the file: what the schema refuses (unknown keys, an address that isn't one) and what the kind's
// check does (names that are no host names, addresses that don't parse, a namespace name where an address goes,
// the host's own files, more than 3 nameservers, a namespace left out of `lab: true`), each at its line:col.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
/** Namespace a (its files from line 4) and b, one veth between them. */
const lab = (files: string, more = '') => `name: lab
namespaces:
  a:
${files.split('\n').map((l) => `    ${l}\n`).join('')}  b: {}
${more}veths:
  - ends: [{ name: eth0, namespace: a, addresses: [10.0.0.1/24] }, { name: eth0, namespace: b, addresses: [10.0.0.2/24] }]
`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (text: string) => check(text).problems.map((p) => `${at(p)} ${formatProblems('lab.yaml', [p]).split('\n').slice(0, 2).join(' | ').replace(/^lab\.yaml:\d+:\d+: /, '')}`);
const warnings = (text: string) => check(text).warnings.map((p) => `${at(p)} ${p.message}`);

describe('dns and hosts: valid', () => {
  it('nameservers v4 and v6, search domains, names with one address or several, lab: true', () => {
    const r = check(lab('dns: { nameservers: [10.0.0.2, "fd00::53"], search: [lab.test, example.org.] }\nhosts:\n  lab: true\n  names: { gw: 10.0.0.254, db.lab.test: [10.0.0.3, "fd00::3"] }'));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('dns and hosts: refused', () => {
  it('an unknown key, a value that is no address (schema)', () => {
    expect(problems(lab('dns: { nameserver: [10.0.0.2] }'))).toEqual([expect.stringMatching(/^4:12 error: .*nameserver/)]);
    expect(problems(lab('hosts: { names: { gw: [10.0.0.1, "not an address"] } }'))).toEqual(['4:38 error: "not an address" is not an IPv4 or IPv6 address']);
  });

  it('a name that is no host name, an address that does not parse, a namespace name where an address goes (with a hint)', () => {
    expect(problems(lab('hosts:\n  names:\n    bad_name: 10.0.0.5\n    gw: 10.0.0.300\n    other: [10.0.0.6, "fd00:::7"]\n    peer: b'))).toEqual([
      '6:9 error: "bad_name" is not a valid host name |   hint: labels of letters, digits and inner hyphens (1 to 63 each), separated by dots',
      '7:13 error: "10.0.0.300" (for gw) is not an IPv4 or IPv6 address',
      '8:27 error: "fd00:::7" (for other) is not an IPv4 or IPv6 address',
      '9:15 error: "b" (for peer) is not an IPv4 or IPv6 address |   hint: to name the lab\'s namespaces by their addresses, use "lab: true"',
    ]);
    expect(problems(lab('dns: { nameservers: [10.0.0.256], search: [-bad.test] }'))).toEqual([
      '4:26 error: nameserver "10.0.0.256" is not an IPv4 or IPv6 address',
      '4:48 error: search domain "-bad.test" is not a valid domain name |   hint: labels of letters, digits and inner hyphens, separated by dots',
    ]);
  });

  it('the host namespace: its /etc files are the machine\'s', () => {
    const text = `name: lab
namespaces:
  host:
    dns: { nameservers: [10.0.0.2] }
    hosts: { lab: true }
  b: {}
`;
    expect(problems(text)).toEqual([
      '4:5 error: dns: is for lab namespaces: the host\'s /etc/resolv.conf is the machine\'s, and topo never writes it',
      '5:5 error: hosts: is for lab namespaces: the host\'s /etc/hosts is the machine\'s, and topo never writes it',
    ]);
  });
});

describe('dns and hosts: warned about', () => {
  it('more than 3 nameservers; a namespace whose name is no host name, left out of lab: true', () => {
    expect(warnings(lab('dns: { nameservers: [10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5] }'))).toEqual([
      '4:56 namespace "a" has 4 nameservers: the C library asks the first 3 only',
    ]);
    expect(warnings(lab('hosts: { lab: true }', '  ns_c: {}\n'))).toEqual([
      '4:19 namespace "ns_c" is not a valid host name: it is left out of a\'s hosts file',
    ]);
  });
});

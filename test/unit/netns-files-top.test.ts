// Top-level `dns:` and `hosts:` (every lab namespace, never the host) and `dns.options`, in the pure pipeline: how a
// namespace's own value combines with the top-level one, field by field (kinds/netns-files.ts effectiveFiles), the
// options line of resolv.conf, and validation of both with line:col.
import { describe, expect, it } from 'vitest';
import { resolveLab } from '../../src/core/lab-model.js';
import { KINDS } from '../../src/kinds/index.js';
import { effectiveFiles, fileMark, netnsFileKind, resolvConf } from '../../src/kinds/netns-files.js';
import type { Topology } from '../../src/model.js';
import { validateText } from '../../src/validate/index.js';
import { ctxOf } from './live-fixtures.js';

const LAB = 'tops';
const MARK = fileMark(LAB);
const TEXT = `name: tops
dns:
  nameservers: [10.0.0.53]
  search: [lab.test]
  options: { ndots: 2, rotate: true, edns0: true }
hosts:
  names: { gw: 10.0.0.254, db: 10.0.0.3 }
namespaces:
  host: {}
  a: {}
  b:
    dns: { nameservers: [10.0.0.54, 10.0.0.55], options: { rotate: false, timeout: 1 } }
    hosts: { lab: true, names: { db: [10.0.0.30, "fd00::30"], cache: 10.0.0.9 } }
veths:
  - ends:
      - { name: e0, namespace: a, addresses: [10.0.0.1/24] }
      - { name: e1, namespace: b, addresses: [10.0.0.2/24] }
`;
const load = (text: string): Topology => {
  const r = validateText(text, 'lab.yaml');
  if (!r.topo) throw new Error(JSON.stringify(r.problems));
  return r.topo;
};
const problems = (text: string) => {
  const r = validateText(text, 'lab.yaml');
  return [...r.problems, ...r.warnings].map((p) => `${p.pos?.line}:${p.pos?.col} ${p.message}`);
};

describe('top-level dns and hosts', () => {
  it('combine with a namespace\'s own: lists replaced, options merged (its value wins), names added, lab its own', () => {
    const t = load(TEXT);
    expect(effectiveFiles(t, 'a')).toEqual({
      dns: { nameservers: ['10.0.0.53'], search: ['lab.test'], options: { ndots: 2, rotate: true, edns0: true } },
      hosts: { names: { gw: '10.0.0.254', db: '10.0.0.3' } },
    });
    expect(effectiveFiles(t, 'b')).toEqual({
      dns: { nameservers: ['10.0.0.54', '10.0.0.55'], search: ['lab.test'], options: { ndots: 2, rotate: false, edns0: true, timeout: 1 } },
      hosts: { lab: true, names: { gw: '10.0.0.254', db: ['10.0.0.30', 'fd00::30'], cache: '10.0.0.9' } },
    });
    expect(effectiveFiles(t, 'host')).toEqual({});
  });

  it('the files of every lab namespace, never the host\'s; each declared where its namespace or the top says', () => {
    const t = load(TEXT);
    const files = netnsFileKind.desired(resolveLab(t, KINDS), ctxOf({}, LAB));
    expect(files.map((r) => `${r.label} ${r.path}`)).toEqual([
      '/etc/netns/a/resolv.conf /dns', '/etc/netns/a/hosts /hosts', '/etc/netns/b/resolv.conf /namespaces/b/dns', '/etc/netns/b/hosts /namespaces/b/hosts',
    ]);
    const content = Object.fromEntries(files.map((r) => [r.label, (r.props as { content: string }).content]));
    expect(content['/etc/netns/a/resolv.conf']).toBe(`${MARK}\nsearch lab.test\nnameserver 10.0.0.53\noptions ndots:2 rotate edns0\n`);
    expect(content['/etc/netns/b/resolv.conf']).toBe(`${MARK}\nsearch lab.test\nnameserver 10.0.0.54\nnameserver 10.0.0.55\noptions ndots:2 edns0 timeout:1\n`);
    expect(content['/etc/netns/b/hosts']).toBe(`${MARK}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.254\tgw\n10.0.0.30\tdb\nfd00::30\tdb\n10.0.0.9\tcache\n10.0.0.1\ta\n10.0.0.2\tb\n`);
  });

  it('options: every flag and number as resolv.conf(5) spells it; false ones left out; none: no options line', () => {
    expect(resolvConf(LAB, { options: { ndots: 0, timeout: 30, attempts: 5, 'single-request-reopen': true, 'trust-ad': true, 'no-aaaa': false } }))
      .toBe(`${MARK}\noptions ndots:0 timeout:30 attempts:5 single-request-reopen trust-ad\n`);
    expect(resolvConf(LAB, { nameservers: ['10.0.0.1'], options: { rotate: false } })).toBe(`${MARK}\nnameserver 10.0.0.1\n`);
  });

  it('validated with line:col: unknown options, numbers out of the C library\'s range, bad addresses and names at the top', () => {
    const bad = `name: tops
dns:
  nameservers: [10.0.0.999]
  options: { ndots: 16, timout: 2, attempts: 0, rotate: yes }
hosts:
  names: { "bad_name": 10.0.0.1 }
namespaces:
  a:
    dns: { options: { timeout: 31 } }
`;
    expect(problems(bad)).toEqual([
      '4:21 "ndots" must be between 0 and 15, not 16', '4:25 unknown key "timout" (did you mean "timeout"?)',
      '4:46 "attempts" must be between 1 and 5, not 0', '4:57 "rotate" must be true or false, not the string "yes"',
      '9:32 "timeout" must be between 1 and 30, not 31',
    ]);
    // The file's own checks (once the schema holds): at the top-level key they concern.
    expect(problems(bad.replace(/^  options: .*\n/m, '').replace('timeout: 31', 'timeout: 3'))).toEqual([
      '3:17 nameserver "10.0.0.999" is not an IPv4 or IPv6 address', '5:12 "bad_name" is not a valid host name',
    ]);
    expect(problems(TEXT)).toEqual([]);
  });
});

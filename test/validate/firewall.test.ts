// Validation of `firewall:` (the nftables kind's firewall section): each problem where it is written, with why, and
// did-you-mean where a name is referenced.
import { describe, expect, it } from 'vitest';
import { formatProblems, validateText } from '../../src/validate/index.js';

const HEAD = `name: lab
veths:
  - ends: [{ name: veth-a, namespace: fw, addresses: [10.0.1.1/24] }, { name: a0, namespace: a }]
  - ends: [{ name: veth-b, namespace: fw, addresses: [10.0.2.1/24] }, { name: b0, namespace: b }]
namespaces:
  a:
  b:
  fw:
    firewall:
      forward:
        rules:
`;
/** Line 12 is the first rule. */
const check = (rules: string, extra = '') => {
  const r = validateText(`${HEAD}${rules}${extra}`, 'lab.yaml');
  return [...r.problems, ...r.warnings].map((p) => `${p.pos!.line}:${p.pos!.col} ${p.severity ?? 'error'} ${p.message}${p.hint ? ` | ${p.hint}` : ''}`);
};

describe('firewall: validation', () => {
  it('accepts every field, both families, every port form, raw rules, and the three chains', () => {
    const r = validateText(`${HEAD}          - { state: [established, related], action: accept }
          - { proto: icmp, action: accept }
          - { proto: icmpv6, from: "fd00::/64", action: accept }
          - { in: veth-a, out: veth-b, proto: tcp, dport: 8080, action: accept, counter: true }
          - { from: 10.0.1.0/24, to: 10.0.2.5, proto: udp, dport: [53, 5353], sport: "1024-65535", action: reject }
          - { proto: tcp, dport: [22, "1000-2000", "3000"], state: new, action: drop }
          - { nft: 'meta mark 0x1 counter accept' }
          - { action: drop }
      input: { policy: drop, rules: [ { in: lo, action: accept }, { in: veth-a, proto: tcp, dport: 22, action: accept } ] }
      output: { rules: [ { out: veth-b, action: accept } ] }
`, 'lab.yaml');
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it.each([
    ['an interface the namespace doesn\'t have', '          - { in: veth-c, action: accept }\n',
      '12:19 error firewall incoming interface "veth-c" is not an interface of namespace "fw" (did you mean "veth-a"?) | interfaces of fw: veth-a, veth-b'],
    ['an interface of another namespace', '          - { out: a0, action: accept }\n',
      '12:20 error firewall outgoing interface "a0" is not an interface of namespace "fw" | a0 is in namespace "a"'],
    ['an address that doesn\'t parse', '          - { from: 10.0.1.300, action: accept }\n',
      '12:21 error firewall rule "from": "10.0.1.300" is not a valid IPv4 or IPv6 address | an address or a network: 10.0.1.5, 10.0.1.0/24, fd00::/64'],
    ['a prefix too long', '          - { to: 10.0.1.0/33, action: accept }\n',
      '12:19 error firewall rule "to": prefix length /33 is not valid for IPv4 (0..32) | an address or a network: 10.0.1.5, 10.0.1.0/24, fd00::/64'],
    ['an IPv4 source with an IPv6 destination', '          - { from: 10.0.1.0/24, to: "fd00::5", action: accept }\n',
      '12:38 error "to" is IPv6 but "from" is IPv4 | a rule matches IPv4 or IPv6 packets: give it addresses of one family (two rules for both)'],
    ['icmp with IPv6 addresses', '          - { from: "fd00::/64", proto: icmp, action: accept }\n',
      '12:41 error proto icmp with IPv6 addresses would never match | IPv6\'s ICMP is icmpv6'],
    ['icmpv6 with IPv4 addresses', '          - { to: 10.0.2.5, proto: icmpv6, action: accept }\n',
      '12:36 error proto icmpv6 with IPv4 addresses would never match | IPv4\'s ICMP is icmp (icmpv6 is IPv6\'s)'],
    ['a port without a protocol', '          - { dport: 80, action: accept }\n',
      '12:15 error "dport" needs proto tcp or udp | e.g. { proto: tcp, dport: 80, action: accept }'],
    ['ports with icmp', '          - { proto: icmp, sport: [1, 2], action: accept }\n',
      '12:28 error icmp has no ports: "sport" needs proto tcp or udp | e.g. { proto: tcp, sport: [1, 2], action: accept }'],
    ['a port out of range', '          - { proto: tcp, dport: 70000, action: accept }\n',
      '12:34 error "dport" must be between 1 and 65535, not 70000 | A port (1..65535), a range "1000-2000", or a list of those.'],
    ['a range out of range', '          - { proto: tcp, dport: "1000-70000", action: accept }\n',
      '12:34 error port "1000-70000" is not in 1..65535 | a port (80), a range ("1000-2000"), or a list of those'],
    ['a range backwards', '          - { proto: tcp, dport: [22, "2000-1000"], action: accept }\n',
      '12:39 error port the range "2000-1000" ends before it starts | a port (80), a range ("1000-2000"), or a list of those'],
    ['not a port', '          - { proto: udp, sport: http, action: accept }\n',
      '12:34 error port "http" is not a port or a range of ports | a port (80), a range ("1000-2000"), or a list of those'],
    ['a port listed twice', '          - { proto: tcp, dport: [80, 443, 80], action: accept }\n',
      '12:44 error port 80 overlaps 80 (see line 12) | list each port once'],
    ['a port inside a range of the list', '          - { proto: tcp, dport: ["1000-2000", 1500], action: accept }\n',
      '12:48 error port 1500 overlaps 1000-2000 (see line 12) | list each port once'],
    ['ports nft would merge', '          - { proto: tcp, dport: [22, 23, "1000-2000"], action: accept }\n',
      '12:39 error port 23 continues 22: in a list with a range nft merges them into one (see line 12) | write them as one range: "22-23"'],
    ['a state that isn\'t one', '          - { state: [established, relatd], action: accept }\n',
      '12:36 error connection state "relatd" is not one of invalid, established, related, new, untracked (did you mean "related"?)'],
    ['a state twice', '          - { state: [new, new], action: accept }\n',
      '12:28 error connection state new is listed twice'],
    ['a rule without action', '          - { proto: tcp, dport: 22 }\n',
      '12:13 error a firewall rule needs "action": accept, drop or reject | or "nft": a raw rule in nft\'s syntax'],
    ['an action that isn\'t one', '          - { action: allow }\n',
      '12:23 error "action" must be one of "accept", "drop", "reject", not "allow"'],
    ['a raw rule with fields', '          - { nft: \'meta mark 1 accept\', counter: true }\n',
      '12:42 error a raw rule is its "nft" text alone: "counter" can\'t go with it | write the whole rule in nft\'s syntax (e.g. nft: \'meta mark 0x1 counter accept\'), or drop "nft" and use the fields'],
    ['a raw rule with its own comment', '          - { nft: \'meta mark 1 accept comment "mine"\' }\n',
      '12:20 error raw nft rule: a raw rule can\'t have a comment of its own | topo marks the rule with a comment of its own ("topo:<hash of the text>"), by which it recognises it in the kernel: remove the comment'],
    ['a raw rule of two rules', '          - { nft: \'accept; drop\' }\n',
      '12:20 error raw nft rule: ";" is not allowed: a raw rule is one rule, without nft comments | one rule per entry'],
    ['a raw rule leaving its chain', '          - { nft: \'accept } chain x { drop\' }\n',
      '12:20 error raw nft rule: braces { } are not balanced'],
  ])('%s', (_what, rules, message) => {
    expect(check(rules)).toEqual([message]);
  });

  it('refuses an incoming interface in output and an outgoing one in input', () => {
    const text = `name: lab
veths: [{ ends: [{ name: v1, namespace: fw }, { name: v2 }] }]
namespaces:
  fw:
    firewall:
      input: { rules: [ { out: v1, action: drop } ] }
      output: { rules: [ { in: v1, action: drop } ] }
`;
    expect(validateText(text, 'lab.yaml').problems.map((p) => `${p.pos!.line}:${p.pos!.col} ${p.message} | ${p.hint}`)).toEqual([
      '6:27 the input chain sees no outgoing interface: "out" would never match | packets for the namespace itself have only an incoming interface ("in")',
      '7:28 the output chain sees no incoming interface: "in" would never match | packets the namespace sends have only an outgoing interface ("out")',
    ]);
  });

  it('refuses an unknown chain, policy or key', () => {
    expect(check('          - { action: accept }\n', '      prerouting: {}\n')).toEqual(['13:7 error unknown key "prerouting" | allowed keys here: input, forward, output']);
    expect(check('          - { action: accept, dst: 10.0.0.1 }\n')).toEqual(['12:31 error unknown key "dst" (did you mean "out"?)']);
  });
});

describe('raw rules: nft -c', () => {
  const TEXT = `name: lab
namespaces:
  a:
    firewall:
      input:
        rules:
          - { nft: 'tcp dport 99999 accept' }
  b:
    firewall:
      output: { policy: drop, rules: [{ action: accept }, { nft: 'ct state new accept' }] }
`;
  /** nft's answer (as nft 1.0.6 words it) to the script topo makes of TEXT's raw rules. */
  const STDERR = '/dev/stdin:6:13-17: Error: Service out of range\n\t\ttcp dport 99999 accept comment "topo:cbfe62ae"\n\t\t          ^^^^^\n';

  it('checks every raw rule of the lab in one script, in its chain, and puts nft\'s errors at their line:col', () => {
    const scripts: string[] = [];
    const r = validateText(TEXT, 'lab.yaml', { nftCheck: (s) => { scripts.push(s); return STDERR; } });
    expect(new Set(scripts).size).toBe(1);
    expect(scripts[0].split('\n')[5]).toBe('\t\ttcp dport 99999 accept comment "topo:cbfe62ae"');
    expect(scripts[0]).toContain('\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n\t\tct state new accept comment "topo:');
    expect(scripts[0]).not.toContain('\t\taccept\n');
    expect(r.problems.map((p) => `${p.pos!.line}:${p.pos!.col} ${p.message} | ${p.hint}`)).toEqual(['7:20 nft refuses this rule: Service out of range | nft -c points at "99999"']);
  });

  it('accepts what nft accepts; runs nft for no lab without raw rules, and not where the file has other faults', () => {
    const calls: string[] = [];
    const nftCheck = (s: string) => { calls.push(s); return ''; };
    expect(validateText(TEXT, 'lab.yaml', { nftCheck }).problems).toEqual([]);
    expect(calls.length).toBeGreaterThan(0);
    calls.length = 0;
    expect(validateText(`${HEAD}          - { action: accept }\n`, 'lab.yaml', { nftCheck }).problems).toEqual([]);
    expect(validateText(TEXT.replace("{ nft: 'tcp dport 99999 accept' }", "{ nft: 'tcp dport 99999 accept; drop' }"), 'lab.yaml', { nftCheck }).problems.map((p) => p.code)).toEqual(['bad-raw-rule']);
    // Namespace a, with a fault of its own, is left out (the same script may be asked twice: see validateText).
    expect([...new Set(calls)]).toEqual([expect.not.stringContaining('99999')]);
  });
});

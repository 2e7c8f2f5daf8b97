// The `nat:` section's checks beyond the schema (kinds/nat-rules.ts), each with its line:col: interfaces, sources
// and destinations, port ranges, protocols that ports need, address families, what a forward must match, `in` with
// the output hook, snat targets, route_localnet for DNAT to 127.0.0.0/8, and the port-range warning.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;

/** A lab whose namespace r (interfaces eth0, lan0) has this `nat:` (YAML flow lines, indented under nat:). */
const lab = (nat: string, extra = '') => `name: lab
namespaces:
  r:${extra}
    nat:
${nat}
  web: {}
veths:
  - ends: [{ name: eth0, namespace: r, addresses: [198.51.100.1/24] }, { name: eth1, addresses: [198.51.100.2/24] }]
  - ends: [{ name: lan0, namespace: r, addresses: [10.0.1.1/24] }, { name: eth0, namespace: web, addresses: [10.0.1.2/24] }]
`;

/** The file is refused with exactly these findings: [code, line:col, a piece of the message]. */
function refuses(text: string, want: [string, string, string][]) {
  const r = validateText(text, 'lab.yaml');
  const shown = formatProblems('lab.yaml', r.problems);
  expect(r.topo, shown).toBeUndefined();
  expect(r.problems.map((p) => [p.code, at(p)]), shown).toEqual(want.map(([c, w]) => [c, w]));
  want.forEach(([, , says], i) => expect(`${r.problems[i].message} ${r.problems[i].hint ?? ''}`).toContain(says));
}

describe('nat: checks', () => {
  it('accepts every new form with nothing to say', () => {
    const r = validateText(lab(`      masquerade:
        - { from: 10.0.1.0/24 }
        - { out: eth0, proto: tcp, ports: "1024-65535" }
      snat:
        - { out: eth0, from: 10.0.1.7, to: 198.51.100.1 }
        - { to: 192.0.2.1-192.0.2.9 }
      forward:
        - { dst: 198.51.100.1, to: 10.0.1.2 }
        - { dst: local, proto: tcp, port: 8080, to: "10.0.1.2:80", output: true }
        - { in: eth0, proto: tcp, port: "8000-8010", to: 10.0.1.2 }
        - { in: eth0, proto: tcp, port: "9000-9005", to: "10.0.1.2:9000-9010" }
        - { from: 198.51.100.2, proto: udp, to: "10.0.1.2:53" }
        - { dst: local, proto: tcp, port: 80, to: "127.0.0.1:8080", output: only }`), 'lab.yaml');
    expect(formatProblems('lab.yaml', [...r.problems, ...r.warnings])).toBe('');
    expect(r.topo).toBeDefined();
  });

  it('masquerade: unknown interface (did you mean), bad source, ports without proto', () => {
    refuses(lab(`      masquerade:
        - { out: eht0, ports: "1024-65535" }
        - { from: 10.0.0.300 }`), [
      ['unknown-interface', '6:18', 'did you mean "eth0"'],
      ['port-without-proto', '6:31', 'add proto: tcp'],
      ['bad-address', '7:19', '"10.0.0.300" is not an address or a CIDR'],
    ]);
  });

  it('snat: family mismatch, a range that ends before it starts, a port', () => {
    refuses(lab(`      snat:
        - { from: "fd00::/64", to: 192.0.2.1 }
        - { to: 192.0.2.9-192.0.2.1 }
        - { to: "192.0.2.1:80" }`), [
      ['nat-family', '6:19', 'snat source is IPv6 but the NAT target is IPv4'],
      ['bad-nat-target', '7:17', 'ends before it starts'],
      ['bad-nat-target', '8:17', 'has a port'],
    ]);
  });

  it('forward: matches nothing in particular, in with output, family, a target port without proto, a port range backwards', () => {
    refuses(lab(`      forward:
        - { to: 10.0.1.2 }
        - { in: eth0, output: true, dst: local, proto: tcp, port: 80, to: "10.0.1.2:80" }
        - { dst: "fd00::1", to: 10.0.1.2 }
        - { in: eth0, to: "10.0.1.2:80" }
        - { in: eth0, proto: tcp, port: "9-1", to: 10.0.1.2 }
        - { in: lan9, proto: tcp, port: 80, to: 10.0.1.2 }`), [
      ['nat-match-all', '6:11', 'matches every new connection'],
      ['nat-output-in', '7:17', 'arrive on no interface'],
      ['nat-family', '8:18', 'forward destination is IPv6 but the NAT target is IPv4'],
      ['port-without-proto', '9:27', 'has a port, which needs a protocol'],
      ['bad-port', '10:41', '"9-1": the range ends before it starts'],
      ['unknown-interface', '11:17', 'did you mean "lan0"'],
    ]);
  });

  it('forward to 127.0.0.0/8: route_localnet on the incoming interface (or all) must be 1 in a lab namespace', () => {
    const fwd = `      forward:
        - { in: eth0, proto: tcp, port: 7000, to: "127.0.0.1:7001" }
        - { dst: 198.51.100.1, proto: tcp, port: 7002, to: "127.0.0.2:7001", output: true }`;
    refuses(lab(fwd), [
      ['nat-route-localnet', '6:51', 'add net.ipv4.conf.eth0.route_localnet: 1 to namespaces.r.sysctls'],
      ['nat-route-localnet', '7:60', 'add net.ipv4.conf.all.route_localnet: 1 to namespaces.r.sysctls'],
    ]);
    const on = (sysctls: string) => validateText(lab(fwd, `\n    sysctls: { ${sysctls} }`), 'lab.yaml');
    expect(on('net.ipv4.conf.all.route_localnet: 1').problems).toEqual([]);
    expect(on('net.ipv4.conf.eth0.route_localnet: 1').problems.map((p) => [p.code, at(p)])).toEqual([['nat-route-localnet', '8:60']]);
    // The namespace's own connections alone need nothing (measured).
    expect(validateText(lab('      forward: [{ dst: local, proto: tcp, port: 7000, to: "127.0.0.1:7001", output: only }]'), 'lab.yaml').problems).toEqual([]);
  });

  it('warns (not refuses) in the host, which may have route_localnet on outside the file', () => {
    const r = validateText(`name: lab
namespaces:
  host:
    nat:
      forward: [{ dst: 192.0.2.1, proto: tcp, port: 7000, to: "127.0.0.1:7001" }]
`, 'lab.yaml');
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.code, at(w)])).toEqual([['nat-route-localnet', '5:63']]);
    expect(r.warnings[0].message).toContain('unless the host has it on outside this file');
  });

  it('warns that a target port range other than the matched one does not map port by port (measured: all go to its first port)', () => {
    const r = validateText(lab('      forward: [{ in: eth0, proto: tcp, port: "8000-8010", to: "10.0.1.2:9000-9010" }]'), 'lab.yaml');
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.code, at(w)])).toEqual([['nat-port-range', '5:64']]);
    expect(r.warnings[0].message).toContain('all go to port 9000');
    expect(r.warnings[0].hint).toBe('to keep each connection\'s port, give the target without a port: 10.0.1.2');
    expect(validateText(lab(`      forward: [{ in: eth0, proto: tcp, port: "8000-8010", to: "10.0.1.2:8000-8010" }]`), 'lab.yaml').warnings).toEqual([]);
  });

  it('respells every address of the new fields the way the kernel prints it', () => {
    const r = validateText(`name: lab
namespaces:
  r:
    nat:
      masquerade: [{ from: "FD00:0:0::7" }]
      snat: [{ from: "FD00:0::/64", to: "FD00:1::1-FD00:1::0009" }]
      forward: [{ from: "FD00::0002", dst: "FD00:9:0::1/128", proto: tcp, port: "80-81", to: "[FD00::0002]:8080-8081" }]
`, 'lab.yaml');
    expect(r.problems).toEqual([]);
    expect(r.topo!.namespaces!.r!.nat).toEqual({
      masquerade: [{ from: 'fd00::7' }],
      snat: [{ from: 'fd00::/64', to: 'fd00:1::1-fd00:1::9' }],
      forward: [{ from: 'fd00::2', dst: 'fd00:9::1/128', proto: 'tcp', port: '80-81', to: '[fd00::2]:8080-8081' }],
    });
  });
});

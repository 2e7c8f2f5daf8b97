// Warnings: files that apply, but probably don't do what was meant. Each is reported with its line:col and
// "warning:", leaves the file valid, and is an error under strict (--strict). Also: bridges keyed by
// (namespace, name), so two namespaces may each have a br0.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { knownSysctls } from '../../src/io/sysctl-names.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const check = (text: string, opts = {}) => validateText(text, 'lab.yaml', opts);

/** The file is valid and has exactly one warning, of this code, here; its text contains `says`. */
function warnsOnce(text: string, code: string, where: string, says: string, opts = {}) {
  const r = check(text, opts);
  expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
  expect(r.topo).toBeDefined();
  expect(r.warnings.map((w) => w.code)).toEqual([code]);
  expect(at(r.warnings[0])).toBe(where);
  const text2 = formatProblems('lab.yaml', r.warnings);
  expect(text2).toContain(`lab.yaml:${where}: warning: `);
  expect(text2).toContain(says);
  // Under --strict the same is an error, at the same place.
  const s = check(text, { ...opts, strict: true });
  expect(s.topo).toBeUndefined();
  expect(s.problems.map((p) => [p.code, at(p), p.severity])).toEqual([[code, where, undefined]]);
  expect(formatProblems('lab.yaml', s.problems)).toContain(`lab.yaml:${where}: error: `);
}

const PAIR = `name: lab
namespaces:
  ns1: {}
  ns2: {}
veths:
  - ends: [{ name: a, namespace: ns1, addresses: [10.0.0.1/24] }, { name: b, namespace: ns2, addresses: [10.0.0.2/24] }]
`;

describe('warnings', () => {
  it('a file without any takes the fast path: no warnings', () => {
    expect(check(PAIR)).toEqual({ topo: expect.anything(), problems: [], warnings: [] });
  });

  it('a ping test whose target is an address of its own namespace', () => {
    warnsOnce(`${PAIR}tests:\n  - { from: ns1, ping: 10.0.0.1 }\n`, 'ping-local', '8:24', 'is an address of namespace "ns1" itself');
  });

  it('a ping test of its own namespace', () => {
    warnsOnce(`${PAIR}tests:\n  - { from: ns2, ping: ns2 }\n`, 'ping-local', '8:24', 'pings its own namespace "ns2"');
  });

  it('an address on a bridge port', () => {
    warnsOnce(`name: lab
namespaces:
  ns1: {}
bridges:
  br0: { addresses: [10.0.0.1/24] }
veths:
  - ends: [{ name: a, namespace: ns1, addresses: [10.0.0.2/24] }, { name: b, bridge: br0, addresses: [10.0.0.3/24] }]
`, 'bridge-port-address', '7:103', 'b is a port of bridge br0');
  });

  it('a network or broadcast address as a host address (IPv4), the subnet-router anycast address (IPv6)', () => {
    const file = (a: string) => `name: lab\nnamespaces:\n  ns1: {}\nveths:\n  - ends: [{ name: a, namespace: ns1, addresses: ["${a}"] }, { name: b }]\n`;
    warnsOnce(file('10.0.0.0/24'), 'network-address', '5:51', 'is the network address of its subnet');
    warnsOnce(file('10.0.0.255/24'), 'network-address', '5:51', 'is the broadcast address of its subnet');
    warnsOnce(file('fd00::/64'), 'network-address', '5:51', 'subnet-router anycast address');
    warnsOnce(file('10.0.0.1/0'), 'prefix-zero', '5:51', 'prefix length /0 makes every address on-link');
    // A /31 or /32 has no network or broadcast address.
    expect(check(file('10.0.0.0/31')).warnings).toEqual([]);
    expect(check(file('10.0.0.1/32')).warnings).toEqual([]);
  });

  it('overlapping subnets on two links of one namespace', () => {
    warnsOnce(`name: lab
namespaces:
  r: {}
veths:
  - ends: [{ name: a, namespace: r, addresses: [10.0.0.1/16] }, { name: b }]
  - ends: [{ name: c, namespace: r, addresses: [10.0.1.1/24] }, { name: d }]
`, 'overlapping-subnets', '6:49', 'subnet of 10.0.1.1/24 on c overlaps that of 10.0.0.1/16 on a');
    // Two subnets on one link (a bridge and its port's namespace is another namespace) are not an overlap.
    expect(check(`name: lab
namespaces:
  r: {}
veths:
  - ends: [{ name: a, namespace: r, addresses: [10.0.0.1/16, 10.0.1.1/24] }, { name: b }]
  - ends: [{ name: c, namespace: r, addresses: [10.1.0.1/24] }, { name: d }]
`).warnings).toEqual([]);
  });

  it('an unknown sysctl key (known keys come from the CLI edge: io/sysctl-names.ts)', () => {
    const known = new Set(['net.ipv4.ip_forward', 'net.ipv4.conf.*.forwarding']);
    const file = (k: string) => `name: lab\nnamespaces:\n  ns1:\n    sysctls: { ${k}: 1 }\n`;
    warnsOnce(file('net.ipv4.ip_forwrd'), 'unknown-sysctl', '4:16', 'sysctl "net.ipv4.ip_forwrd" does not exist in this kernel (did you mean "net.ipv4.ip_forward"?)', { knownSysctls: () => known });
    expect(check(file('net.ipv4.conf.veth1.forwarding'), { knownSysctls: () => known }).warnings).toEqual([]);
    expect(check(file('net.ipv4.conf.all.forwarding'), { knownSysctls: () => known }).warnings).toEqual([]);
    expect(check(file('net.ipv4.ip_forwrd')).warnings).toEqual([]); // not checked without the set
    // Reading the names walks /proc/sys/net: a file without a net.* sysctl never asks for them.
    const never = () => { throw new Error('knownSysctls asked'); };
    expect(check('name: lab\nnamespaces:\n  ns1: {}\n', { knownSysctls: never }).warnings).toEqual([]);
  });

  it('the running kernel\'s sysctl names, per-interface directories as "*"', () => {
    const known = knownSysctls()!;
    expect(known.has('net.ipv4.ip_forward')).toBe(true);
    expect(known.has('net.ipv4.conf.*.forwarding')).toBe(true);
    expect([...known].some((k) => k.startsWith('net.ipv4.conf.lo.'))).toBe(false);
    expect(knownSysctls('/nonexistent')).toBeUndefined();
  });

  it('a namespace that is the gateway of another one\'s route, with forwarding left unset', () => {
    const file = (sysctls: string) => `name: lab
namespaces:
  a: { routes: [{ to: default, via: 10.0.0.2 }] }
  r: { ${sysctls} }
veths:
  - ends: [{ name: a0, namespace: a, addresses: [10.0.0.1/24] }, { name: r0, namespace: r, addresses: [10.0.0.2/24] }]
`;
    warnsOnce(file(''), 'gateway-not-forwarding', '3:37', 'gateway 10.0.0.2 is r0 in namespace "r", which does not forward');
    expect(check(file('sysctls: { net.ipv4.ip_forward: 1 }')).warnings).toEqual([]);
    expect(check(file('sysctls: { net.ipv4.ip_forward: 0 }')).warnings).toEqual([]); // off on purpose (an isolating switch)
  });

  it('an IPv4 gateway that is the namespace\'s own address (the kernel accepts it)', () => {
    warnsOnce(`name: lab
namespaces:
  ns1:
    routes: [{ to: 10.9.0.0/24, via: 10.0.0.1 }]
veths:
  - ends: [{ name: a, namespace: ns1, addresses: [10.0.0.1/24] }, { name: b }]
`, 'gateway-is-local', '4:38', 'the kernel accepts that for IPv4');
  });

  it('an invalid file reports its errors only', () => {
    const r = check(`${PAIR}tests:\n  - { from: ns1, ping: 10.0.0.1 }\n  - { from: nowhere, ping: 10.0.0.2 }\n`);
    expect(r.problems.map((p) => p.code)).toEqual(['unknown-namespace']);
    expect(r.warnings).toEqual([]);
  });
});

describe('bridges keyed by (namespace, name)', () => {
  const TWO_BR0 = `name: lab
namespaces:
  hv1: { bridges: { br0: { addresses: [10.0.0.1/24] } } }
  hv2: { bridges: { br0: { addresses: [10.0.0.2/24] } } }
  vm1: {}
  vm2: {}
veths:
  - ends: [{ name: eth0, namespace: vm1, addresses: [10.0.0.11/24] }, { name: p0, namespace: hv1, bridge: br0 }]
  - ends: [{ name: eth0, namespace: vm2, addresses: [10.0.0.12/24] }, { name: p0, namespace: hv2, bridge: br0 }]
`;
  it('two namespaces may each have a br0; a port names the bridge of its own namespace', () => {
    const r = check(TWO_BR0);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('beside top-level bridges (today\'s files stay valid)', () => {
    const r = check(`name: lab
namespaces:
  hv1: { bridges: { br0: {} } }
bridges:
  br0: {}
veths:
  - ends: [{ name: a, namespace: hv1, bridge: br0 }, { name: b, bridge: br0 }]
`);
    expect(r.problems).toEqual([]);
  });

  it('an unknown key of a namespace\'s bridge points at the key', () => {
    const r = check('name: lab\nnamespaces:\n  hv1:\n    bridges:\n      br0: { namespace: hv1 }\n');
    expect(r.problems.map((p) => [p.code, at(p)])).toEqual([['unknown-key', '5:14']]);
  });
});

describe('the CLI shows warnings (validate, plan, apply share the loader)', () => {
  const root = new URL('../..', import.meta.url).pathname;
  const topo = (args: string[]) => spawnSync(process.execPath, [`${root}bin/topo.js`, ...args], { encoding: 'utf8' });
  it('validate: "file:line:col: warning:" on stderr, exit 0; --strict exits 65; --json lists them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'topo-warn-'));
    try {
      const file = join(dir, 'lab.yaml');
      writeFileSync(file, `${PAIR}tests:\n  - { from: ns1, ping: 10.0.0.1 }\n`);
      const plain = topo(['validate', file]);
      expect(plain.status).toBe(0);
      expect(plain.stderr).toContain(`${file}:8:24: warning: 10.0.0.1 is an address of namespace "ns1" itself`);
      expect(plain.stdout).toBe(`${file}: valid (lab "lab"), 1 warning(s)\n`);
      const strict = topo(['validate', '--strict', file]);
      expect(strict.status).toBe(65);
      expect(strict.stderr).toContain(`${file}:8:24: error: 10.0.0.1 is an address of namespace "ns1" itself`);
      const json = JSON.parse(topo(['validate', '--json', file]).stdout);
      expect(json.warnings).toEqual([expect.objectContaining({ code: 'ping-local', severity: 'warning', pos: { line: 8, col: 24 } })]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

// Valid files pass, and what comes out is exactly what the file says (no defaults applied).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatProblems, validateText } from '../../src/validate/index.js';
import schema from '../../schemas/topology.schema.json' with { type: 'json' };

const VALID = join(import.meta.dirname, 'fixtures/valid');
const read = (name: string) => readFileSync(join(VALID, name));

function ok(text: string | Buffer) {
  const r = validateText(text, 'test.yaml');
  expect(r.problems, formatProblems('test.yaml', r.problems)).toEqual([]);
  return r.topo!;
}

describe('valid files', () => {
  it.each(['full.yaml', 'minimal.yaml', 'readme-example.yaml'])('%s passes and yields the file as written', (name) => {
    const bytes = read(name);
    expect(ok(bytes)).toEqual(parse(bytes.toString('utf8')));
  });

  it('full.yaml uses every key the schema defines', () => {
    const used = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { used.add(k); walk(x); }
    };
    walk(ok(read('full.yaml')));
    const declared = new Set<string>();
    const collect = (s: unknown): void => {
      if (Array.isArray(s)) s.forEach(collect);
      else if (s && typeof s === 'object') {
        for (const [k, x] of Object.entries(s)) {
          if (k === 'properties') Object.keys(x as object).forEach((p) => declared.add(p));
          collect(x);
        }
      }
    };
    collect(schema);
    expect([...declared].filter((k) => !used.has(k))).toEqual([]);
  });

  it('accepts a string, a Buffer, a BOM and CRLF line endings', () => {
    const text = 'name: lab\r\nnamespaces:\r\n  ns1: {}\r\n';
    expect(ok(text).namespaces).toEqual({ ns1: {} });
    expect(ok(Buffer.from(text)).name).toBe('lab');
    expect(ok(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).name).toBe('lab');
    expect(ok('\ufeff' + text).name).toBe('lab');
  });

  it('accepts a 15-byte interface name and a 64-character namespace name', () => {
    const ns = 'n'.repeat(64);
    ok(`name: lab\nnamespaces:\n  ${ns}: {}\nveths:\n  - ends: [{ name: veth-0123456789, namespace: ${ns} }, { name: x }]\n`);
  });

  it('accepts empty namespaces and bridges (null or {})', () => {
    const t = ok('name: lab\nnamespaces:\n  a:\n  b: {}\n  c: ~\nbridges:\n  br0:\n');
    expect(t.namespaces).toEqual({ a: null, b: {}, c: null });
    expect(t.bridges).toEqual({ br0: null });
  });

  it('accepts anchors and aliases used a few times', () => {
    const t = ok('name: lab\nnamespaces:\n  a: &ns { sysctls: { net.ipv4.ip_forward: 1 } }\n  b: *ns\n');
    expect(t.namespaces!.b).toEqual({ sysctls: { 'net.ipv4.ip_forward': 1 } });
  });

  it("lets host routes and NAT name the host's own interfaces (the lab can't see them)", () => {
    ok('name: lab\nnamespaces:\n  host:\n    routes: [{ to: 10.20.0.0/16, dev: eth0 }, { to: 10.30.0.0/16, via: 192.168.1.1 }]\n    nat:\n      masquerade: [{ out: eth0 }]\n');
  });

  it('accepts a gateway reached through a link route of the namespace', () => {
    ok(`name: lab
namespaces:
  ns1:
    routes:
      - { to: 192.168.7.1, dev: a }
      - { to: default, via: 192.168.7.1 }
veths:
  - ends: [{ name: a, namespace: ns1, addresses: [10.0.0.1/32] }, { name: b }]
`);
  });

  it('accepts nat when nft is available or not checked', () => {
    const text = 'name: lab\nnamespaces:\n  ns1:\n    nat: { masquerade: [{ out: lo }] }\n';
    expect(validateText(text, 'x', { nftAvailable: true }).problems).toEqual([]);
    expect(validateText(text, 'x').problems).toEqual([]);
  });
});

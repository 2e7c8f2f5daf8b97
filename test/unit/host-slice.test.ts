// One host's slice of a lab over several hosts (core/host-slice.ts): what is on the host under its own names,
// nothing of the other hosts, tests from the host with targets on other hosts turned into their addresses, the way
// back from a place in the slice to the same place in the file, and the slice's own identity.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultHost, namespaceRefs, sliceHost, sliceLabName, splitNs } from '../../src/core/host-slice.js';
import { LAB_NAME } from '../../src/core/names.js';
import type { Topology } from '../../src/model.js';
import { validateText } from '../../src/validate/index.js';
import { indexLab } from '../../src/validate/lab-index.js';

const load = (text: string): Topology => {
  const r = validateText(text, 'lab.yaml');
  expect(r.problems).toEqual([]);
  return r.topo!;
};
const seed = () => load(readFileSync(new URL('../../examples/two-nodes-ssh.yaml', import.meta.url), 'utf8'));

describe('host-slice: names', () => {
  it('splits NAME@HOST, and a name without @ is on the local host, else on the only one', () => {
    expect(splitNs('NS1@node1')).toEqual({ name: 'NS1', host: 'node1' });
    expect(splitNs('host')).toEqual({ name: 'host' });
    expect(defaultHost({ name: 'l', machines: { a: { ssh: 'root@x', underlay: '10.0.0.1' }, b: { local: true, underlay: '10.0.0.2' } } })).toBe('b');
    expect(defaultHost({ name: 'l', machines: { a: { ssh: 'root@x' } } })).toBe('a');
    expect(defaultHost({ name: 'l', machines: { a: { ssh: 'root@x' }, b: { ssh: 'root@y' } } })).toBeUndefined();
  });

  it("a slice's name is lab.host: a lab name of its own per host, never a single-host lab's", () => {
    expect(sliceLabName('two-nodes-ssh', 'node1')).toBe('two-nodes-ssh.node1');
    expect(LAB_NAME.test('two-nodes-ssh.node1')).toBe(true);
    expect(LAB_NAME.test('two-nodes-ssh')).toBe(true);
    expect(LAB_NAME.test('a.b.c')).toBe(false);
  });

  it('lists every place the file names a namespace, with the implicit root namespace of bridges and veth ends', () => {
    const t = load(`name: l
machines: { me: { local: true } }
namespaces:
  a: {}
bridges: { br0: {}, br1: { namespace: a } }
veths: [{ ends: [{ name: v0, namespace: a }, { name: v1 }] }]
tests: [{ from: a, ping: host }]`);
    expect(namespaceRefs(t)).toEqual([
      { ref: 'a', path: '/namespaces/a', at: 'key' },
      { ref: 'host', path: '/bridges/br0', at: 'key', implicit: true },
      { ref: 'a', path: '/bridges/br1/namespace', at: 'value' },
      { ref: 'a', path: '/veths/0/ends/0/namespace', at: 'value' },
      { ref: 'host', path: '/veths/0/ends/1', at: 'value', implicit: true },
      { ref: 'a', path: '/tests/0/from', at: 'value' },
    ]);
  });
});

describe('host-slice: seed 002 over two hosts', () => {
  it("node1's slice: its root namespace as host, NS1 and NS2, its veths and tests, nothing of node2", () => {
    const t = seed();
    const s = sliceHost(t, 'node1', indexLab(t));
    expect(s.topo.machines).toBeUndefined();
    expect(Object.keys(s.topo.namespaces!)).toEqual(['host', 'NS1', 'NS2']);
    expect(s.topo.namespaces!.host).toEqual(t.namespaces!['host@node1']);
    expect(s.topo.veths!.map((v) => v.ends.map((e) => `${e.name}@${e.namespace}`))).toEqual([
      ['veth11@NS1', 'veth10@host'], ['veth21@NS2', 'veth20@host'],
    ]);
    // NS2@node1 by name; NS1@node2 by its address, a ping outside the slice.
    expect(s.topo.tests).toEqual([
      { from: 'NS1', ping: 'NS2' },
      { from: 'NS1', ping: '172.16.1.2', external: true },
    ]);
    // The slice is a valid single-host file.
    expect(validateText(JSON.stringify(s.topo), 'slice.json').problems).toEqual([]);
  });

  it("node2's slice: a ping to an address of node1 is external", () => {
    const t = seed();
    const s = sliceHost(t, 'node2', indexLab(t));
    expect(Object.keys(s.topo.namespaces!)).toEqual(['host', 'NS1', 'NS2']);
    expect(s.topo.namespaces!.host!.routes).toEqual([{ to: '172.16.0.0/24', via: '192.168.1.5', dev: 'eth0' }]);
    expect(s.topo.tests).toEqual([
      { from: 'NS2', ping: '172.16.0.3', external: true },
      { from: 'NS1', ping: '172.16.0.2', external: true },
    ]);
  });

  it('maps a place in the slice back to the file: namespaces by name, veths and tests by index', () => {
    const t = seed();
    const s = sliceHost(t, 'node2', indexLab(t));
    expect(s.fullPath('/namespaces/host/routes/0/via')).toBe('/namespaces/host@node2/routes/0/via');
    expect(s.fullPath('/namespaces/NS1')).toBe('/namespaces/NS1@node2');
    expect(s.fullPath('/veths/1/ends/0/addresses/0')).toBe('/veths/3/ends/0/addresses/0');
    expect(s.fullPath('/tests/1/ping')).toBe('/tests/3/ping');
    expect(s.fullPath('/tables/wan')).toBe('/tables/wan');
  });

  it('tcp and http targets on another host become its address (http: a name without @); macvlan parents and top-level bridges follow their host', () => {
    const t = load(`name: l
machines:
  a: { local: true, underlay: 10.9.0.1 }
  b: { ssh: root@10.9.0.2, underlay: 10.9.0.2 }
namespaces:
  web@b: {}
  c:
    macvlans: { m0: { parent: { name: v1, namespace: host } } }
bridges: { br0: { namespace: host@b } , br1: {} }
veths:
  - ends: [{ name: v0, namespace: web@b, addresses: ["fd00::2/64"] }, { name: v1, namespace: host@b, bridge: br0 }]
  - ends: [{ name: v1, namespace: c, addresses: [10.0.0.1/24] }, { name: v2 }]
tests:
  - { from: c, tcp: "web@b:80" }
  - { from: web@b, http: "http://c:8080/x" }`);
    const a = sliceHost(t, 'a', indexLab(t));
    expect(a.topo.bridges).toEqual({ br1: {} });
    expect((a.topo.namespaces!.c as { macvlans?: unknown }).macvlans).toEqual({ m0: { parent: { name: 'v1', namespace: 'host' } } });
    expect(a.topo.tests).toEqual([{ from: 'c', tcp: '[fd00::2]:80' }]);
    const b = sliceHost(t, 'b', indexLab(t));
    expect(b.topo.bridges).toEqual({ br0: { namespace: 'host' } });
    expect(b.topo.veths!.map((v) => v.ends.map((e) => e.namespace))).toEqual([['web', 'host']]);
    // An http URL can't name a namespace NAME@HOST (that is a URL's user@host): one on the default host is by name.
    expect(b.topo.tests).toEqual([{ from: 'web', http: 'http://10.0.0.1:8080/x' }]);
  });
});

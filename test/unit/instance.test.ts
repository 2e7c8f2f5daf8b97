// --name: a copy of the lab under another name, every place the file names a namespace renamed; refused when the
// lab has anything in the host namespace (two copies can't own it), with a bad name, or a namespace name too long.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instanceNs, instanceOf } from '../../src/core/instance.js';
import type { Topology } from '../../src/model.js';
import { validateText } from '../../src/validate/index.js';
import { indexLab } from '../../src/validate/lab-index.js';
import { example } from '../helpers/sandbox.js';

const lab = (file: string) => validateText(readFileSync(example(file)), file).topo!;
const copy = (t: Topology, name: string) => instanceOf(t, name, indexLab(t));

describe('instanceOf', () => {
  it('renames the lab and each namespace in every place the file names it: keys, bridges, veth ends, tests', () => {
    const c = copy(lab('isolation.yaml'), 'ci1') as Topology;
    expect(c.name).toBe('ci1');
    expect(Object.keys(c.namespaces!)).toEqual(['ci1-switch', 'ci1-red', 'ci1-blue', 'ci1-green']);
    expect(c.namespaces!['ci1-switch']).toEqual({ sysctls: { 'net.ipv4.ip_forward': 0 } });
    expect(c.bridges).toEqual({ 'br-a': { namespace: 'ci1-switch', addresses: ['10.10.0.1/24'] }, 'br-b': { namespace: 'ci1-switch', addresses: ['10.20.0.1/24'] } });
    expect(c.veths![0].ends.map((e) => e.namespace)).toEqual(['ci1-red', 'ci1-switch']);
    expect(c.tests!.map((t) => [t.from, t.ping])).toEqual([
      ['ci1-red', 'ci1-blue'], ['ci1-red', '10.10.0.1'], ['ci1-green', '10.20.0.1'], ['ci1-red', 'ci1-green'], ['ci1-green', '10.10.0.2'],
    ]);
    // the copy is a valid lab of its own
    expect(validateText(JSON.stringify(c), 'copy.json').problems).toEqual([]);
  });

  it('a macvlan parent in another namespace is renamed too', () => {
    const c = copy(lab('macvlan.yaml'), 'm2') as Topology; // parent "uplink" in namespace switch
    const text = JSON.stringify(c);
    expect(text).toContain('"parent":{"name":"uplink","namespace":"m2-switch"}');
    expect(text).not.toMatch(/"namespace":"(?!m2-)/);
  });

  it('refuses a lab with objects in the host namespace, naming them', () => {
    expect(copy(lab('host-to-namespace.yaml'), 'ci1')).toMatch(/^--name makes a second copy of lab "red", but it has objects in the host namespace, which two copies can't both own: veth end veth-host/);
    expect(copy(lab('bridge-node.yaml'), 'ci1')).toMatch(/host namespace.*bridge br0/);
  });

  it('refuses a name that is no lab name, and a namespace name that would grow too long', () => {
    expect(copy(lab('two-namespaces.yaml'), 'CI 1')).toMatch(/^--name "CI 1" is not a lab name/);
    expect(copy(lab('two-namespaces.yaml'), 'a.b')).toMatch(/is not a lab name/);
    const t: Topology = { name: 'x', namespaces: { ['n'.repeat(60)]: {} } };
    expect(copy(t, 'abcdef')).toMatch(/would be called "abcdef-n{60}", longer than a namespace name may be/);
    expect(instanceNs('ci1', 'host')).toBe('host');
  });
});

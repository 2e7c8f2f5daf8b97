// The comparison the import tests use (test/helpers/lab-equivalence.ts): spellings that make the same kernel state
// compare equal, and each kind of difference is named.
import { describe, expect, it } from 'vitest';
import { canonicalLab, labDifferences } from '../helpers/lab-equivalence.js';
import type { Topology } from '../../src/model.js';

const base: Topology = {
  name: 'a',
  namespaces: { ns1: { routes: [{ to: 'default', via: '10.0.0.254', dev: 'v1' }] }, host: { sysctls: { 'net.ipv4.ip_forward': 1 } } },
  bridges: { br0: { addresses: ['10.0.0.254/24'] } },
  veths: [{ ends: [{ name: 'v1', namespace: 'ns1', addresses: ['10.0.0.1/24', 'fd00::1/64'] }, { name: 'v0', bridge: 'br0' }] }],
};

describe('lab equivalence', () => {
  it('is blind to spelling: bridge placement, end and pair order, default, /32, default metrics, address spelling, names', () => {
    const other: Topology = {
      name: 'b',
      namespaces: {
        host: { sysctls: { 'net.ipv4.ip_forward': '1' }, bridges: { br0: { addresses: ['10.0.0.254/24'] } } },
        ns1: { loopback: 'down', routes: [{ to: '0.0.0.0/0', via: '10.0.0.254', dev: 'v1', metric: 0 }] },
      },
      veths: [{ ends: [{ name: 'v0', namespace: 'host', bridge: 'br0', mtu: 1500, up: true }, { name: 'v1', namespace: 'ns1', addresses: ['fd00:0::0001/64', '10.0.0.1/24'] }] }],
    };
    expect(labDifferences(base, other)).toEqual([]);
    const host32: Topology = { name: 'c', namespaces: { host: { routes: [{ to: '10.0.0.1', dev: 'v0' }, { to: 'fd00::1', dev: 'v0', metric: 1024 }] } } };
    const hostCidr: Topology = { name: 'c', namespaces: { host: { routes: [{ to: '10.0.0.1/32', dev: 'v0', metric: 0 }, { to: 'fd00::1/128', dev: 'v0' }] } } };
    expect(labDifferences(host32, hostCidr)).toEqual([]);
  });

  it('names each difference: a namespace, a link, a port, an address, a route, a sysctl, a state', () => {
    const changed: Topology = {
      name: 'a',
      namespaces: { ns1: { routes: [{ to: 'default', via: '10.0.0.253', dev: 'v1' }] }, ns2: {}, host: {} },
      bridges: { br0: { addresses: ['10.0.0.254/24'], up: false } },
      veths: [{ ends: [{ name: 'v1', namespace: 'ns1', addresses: ['10.0.0.1/24'], mtu: 9000 }, { name: 'v0' }] }],
    };
    expect(labDifferences(base, changed)).toEqual([
      'only in b: namespaces: ns2',
      'only in a: links: bridge host/br0',
      'only in a: links: end host/v0 mtu 1500 port of host/br0',
      'only in a: links: end ns1/v1 mtu 1500',
      'only in b: links: bridge host/br0 down',
      'only in b: links: end host/v0 mtu 1500',
      'only in b: links: end ns1/v1 mtu 9000',
      'only in a: addresses: ns1/v1 fd00::1/64',
      'only in a: routes: ns1 0.0.0.0/0 via 10.0.0.254 dev v1 metric 0',
      'only in b: routes: ns1 0.0.0.0/0 via 10.0.0.253 dev v1 metric 0',
      'only in a: sysctls: host net.ipv4.ip_forward=1',
    ]);
  });

  it('lists a lab in one canonical form', () => {
    expect(canonicalLab(base)).toEqual({
      namespaces: ['ns1'],
      links: ['bridge host/br0', 'end host/v0 mtu 1500 port of host/br0', 'end ns1/v1 mtu 1500', 'veth host/v0 <-> ns1/v1'],
      addresses: ['host/br0 10.0.0.254/24', 'ns1/v1 10.0.0.1/24', 'ns1/v1 fd00::1/64'],
      routes: ['ns1 0.0.0.0/0 via 10.0.0.254 dev v1 metric 0'],
      sysctls: ['host net.ipv4.ip_forward=1'],
    });
  });
});

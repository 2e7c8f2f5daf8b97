// import's pure half (src/ops/import-topology.ts) on a snapshot shaped as io/read-live.ts shapes `ip -json`: what
// topo can express is imported with only the settings a fresh apply would not give; everything else read is
// listed in `skipped`, never dropped.
import { describe, expect, it } from 'vitest';
import { importTopology } from '../../src/ops/import-topology.js';
import { routesOf } from '../../src/io/live-shape.js';
import { validateText } from '../../src/validate/index.js';
import { renderImport } from '../../src/render/import-yaml.js';
import type { IpLink, IpRoute, LiveSnapshot, NsLive } from '../../src/core/live.js';

const UP = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
const lo = (up = true, extra: string[] = []): IpLink => ({
  ifindex: 1, ifname: 'lo', flags: up ? ['LOOPBACK', 'UP', 'LOWER_UP'] : ['LOOPBACK'], mtu: 65536,
  addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }, ...extra.map((a) => ({ family: 'inet', local: a.split('/')[0], prefixlen: Number(a.split('/')[1]), scope: 'host' }))],
});
const addr = (cidr: string, scope = 'global') => ({ family: cidr.includes(':') ? 'inet6' : 'inet', local: cidr.split('/')[0], prefixlen: Number(cidr.split('/')[1]), scope });
const veth = (ifindex: number, ifname: string, peer: number, nsid: number | undefined, more: Partial<IpLink> = {}): IpLink => ({
  ifindex, ifname, flags: UP, mtu: 1500, link_index: peer, ...(nsid === undefined ? {} : { link_netnsid: nsid }), linkinfo: { info_kind: 'veth' }, ...more,
});
const ns = (name: string, links: IpLink[], more: Partial<NsLive> = {}): NsLive => ({ name, links, routes: [], sysctls: {}, nsids: {}, ...more });

// a's routes as `ip -d -json route show table all` prints them; the reader shapes them (routesOf), import also looks
// at them whole (RAW_ROUTES) for what a shaped route can't say.
const RAW_A = [
  { type: 'unicast', dst: 'default', gateway: '172.16.0.1', dev: 'veth11', protocol: 'boot', scope: 'global', flags: [] },
  { type: 'unicast', dst: 'fd07::/64', gateway: 'fd00::1', dev: 'veth11', protocol: 'boot', metric: 1024, pref: 'medium', flags: [] },
  { type: 'unicast', dst: '10.8.0.0/16', dev: 'veth11', table: '100', protocol: 'static', scope: 'link', metric: 50, flags: ['linkdown'] },
  { type: 'unicast', dst: '10.6.0.0/16', dev: 'mv0', protocol: 'boot', scope: 'link', flags: [] },
  { type: 'blackhole', dst: '10.5.0.0/16', protocol: 'boot', scope: 'global', flags: [] },
  { type: 'unicast', dst: '10.4.0.0/16', protocol: 'boot', scope: 'global', flags: [], nexthops: [{ gateway: '172.16.0.1', dev: 'veth11', weight: 1, flags: [] }] },
  { type: 'unicast', dst: '10.3.0.0/16', via: { family: 'inet6', host: 'fd00::1' }, dev: 'veth11', protocol: 'boot', scope: 'global', flags: [] },
  { type: 'unicast', dst: '10.2.0.0/16', gateway: '172.16.0.9', dev: 'veth11', protocol: 'boot', scope: 'global', flags: ['onlink'] },
  { type: 'unicast', dst: '10.1.9.0/24', gateway: '172.16.0.1', dev: 'veth11', protocol: 'boot', scope: 'global', prefsrc: '172.16.0.2', flags: [], metrics: [{ mtu: 1400 }] },
  { type: 'unicast', dst: '172.16.0.0/24', dev: 'veth11', protocol: 'kernel', scope: 'link', prefsrc: '172.16.0.2', flags: [] },
  { type: 'local', dst: '172.16.0.2', dev: 'veth11', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: '172.16.0.2', flags: [] },
];

// a's IPv4 rules as `ip -d -json rule show` prints them: the kernel's three, then some made by hand.
const RULES_A = [
  { priority: 0, src: 'all', table: 'local', protocol: 'kernel' },
  { priority: 900, src: '10.1.0.0', srclen: 16, table: '100', protocol: 'boot' },
  { priority: 901, src: 'all', iif: 'veth11', fwmark: '0x10', fwmask: '0xff', action: 'blackhole', protocol: 'boot' },
  { priority: 902, src: 'all', oif: 'mv9', table: '7', protocol: 'boot' },
  { priority: 903, not: null, src: '10.9.9.9', srclen: 32, table: '5', protocol: 'boot' },
  { priority: 32766, src: 'all', table: 'main', protocol: 'kernel' },
  { priority: 32767, src: 'all', table: 'default', protocol: 'kernel' },
];

// host: br0 (ports veth10 -> a, and eth0, the host's own), vh (-> b, not imported)
// a: veth11 (-> host veth10), va (-> b/vb), mv0 (macvlan); b: vb (-> a/va), vx (-> host vh)
function snapshot(): LiveSnapshot {
  return {
    netns: ['a', 'b'],
    ns: {
      host: ns('host', [
        lo(),
        { ifindex: 2, ifname: 'eth0', flags: UP, mtu: 1500, master: 'br0' },
        { ifindex: 3, ifname: 'br0', flags: UP, mtu: 1500, linkinfo: { info_kind: 'bridge', info_data: { stp_state: 1, forward_delay: 400, hello_time: 200, max_age: 2000, ageing_time: 30000, mcast_snooping: 1, vlan_filtering: 0 } } as IpLink['linkinfo'], addr_info: [addr('172.16.0.1/24'), addr('fe80::1/64', 'link')] },
        veth(10, 'veth10', 11, 0, { master: 'br0' }),
        veth(12, 'vh', 13, 1),
      ], {
        nsids: { 0: 'a', 1: 'b' }, sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' },
        routes: [
          { dst: '172.16.0.0/24', dev: 'br0', protocol: 'kernel', scope: 'link' },
          { dst: '10.9.0.0/16', gateway: '172.16.0.2', dev: 'br0', protocol: 'boot' },
          { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', protocol: 'dhcp' },
        ],
      }),
      a: ns('a', [
        lo(false, ['127.0.0.2/8']),
        veth(11, 'veth11', 10, 0, { mtu: 9000, flags: [...UP, 'PROMISC'], addr_info: [addr('172.16.0.2/24'), addr('fd00::2/64'), addr('fe80::2/64', 'link')] }),
        veth(20, 'va', 21, 1, { flags: ['BROADCAST', 'MULTICAST'], addr_info: [addr('10.1.0.1/30')] }),
        { ifindex: 30, ifname: 'mv0', flags: UP, mtu: 1500, link_index: 11, linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } as IpLink['linkinfo'] },
        { ifindex: 31, ifname: 'mv1', flags: UP, mtu: 1500, link_index: 2, link_netnsid: 0, linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } } as IpLink['linkinfo'] },
        { ifindex: 32, ifname: 'mv2', flags: UP, mtu: 1500, link_index: 31, linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } } as IpLink['linkinfo'] },
        { ifindex: 33, ifname: 'dummy0', flags: UP, mtu: 1500, linkinfo: { info_kind: 'dummy' } },
      ], {
        nsids: { 0: 'host', 1: 'b' }, sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' },
        routes: routesOf(RAW_A),
        ipDocs: { 'import:routes': RAW_A, 'rule:4': RULES_A, neighbour: [{ dst: '172.16.0.9', dev: 'veth11', lladdr: '02:00:00:00:00:09', state: ['PERMANENT'] }] },
      }),
      b: ns('b', [lo(), veth(21, 'vb', 20, 0), veth(13, 'vx', 12, 1)], { nsids: { 0: 'a', 1: 'host' } }),
    },
  };
}

describe('import of a snapshot', () => {
  it('imports what topo expresses, with only the settings a fresh apply would not give', () => {
    const { topo } = importTopology({ snap: snapshot(), name: 'lab', namespaces: ['a', 'b'], nftTables: { a: [], b: ['inet filter'] } });
    expect(topo).toEqual({
      name: 'lab',
      namespaces: {
        a: {
          loopback: 'down',
          routes: [
            { to: 'default', via: '172.16.0.1', dev: 'veth11' },
            { to: 'fd07::/64', via: 'fd00::1', dev: 'veth11' },
            { to: '10.8.0.0/16', dev: 'veth11', metric: 50, table: 100 },
            { to: '10.6.0.0/16', dev: 'mv0' },
          ],
          macvlans: { mv0: { parent: 'veth11', mode: 'private', mtu: 1500 }, mv1: { parent: { name: 'eth0', namespace: 'host' } } },
          neighbours: [{ address: '172.16.0.9', lladdr: '02:00:00:00:00:09', dev: 'veth11' }],
          rules: [
            { priority: 900, from: '10.1.0.0/16', table: 100 },
            { priority: 901, iif: 'veth11', fwmark: '0x10/0xff', action: 'blackhole' },
          ],
          sysctls: { 'net.ipv4.ip_forward': 1 },
        },
        b: {},
        host: { routes: [{ to: '10.9.0.0/16', via: '172.16.0.2', dev: 'br0' }], sysctls: { 'net.ipv4.ip_forward': 1 } },
      },
      bridges: { br0: { addresses: ['172.16.0.1/24'], stp: true, forward_delay: 4 } },
      veths: [
        { ends: [{ name: 'veth11', namespace: 'a', mtu: 9000, addresses: ['172.16.0.2/24', 'fd00::2/64'], promisc: true }, { name: 'veth10', bridge: 'br0' }] },
        { ends: [{ name: 'va', namespace: 'a', addresses: ['10.1.0.1/30'], up: false }, { name: 'vb', namespace: 'b' }] },
        { ends: [{ name: 'vx', namespace: 'b' }, { name: 'vh' }] },
      ],
    });
  });

  it('lists every object it leaves out, with why', () => {
    const { skipped } = importTopology({ snap: snapshot(), name: 'lab', namespaces: ['a', 'b'], nftTables: { a: { unread: 'no nft' }, b: ['inet filter'], host: ['inet topo-lab', 'ip nat', 'inet topo-other'] } });
    expect(skipped.map((s) => `${s.ns}: ${s.what}${s.what.startsWith('route') ? `: ${s.why}` : ''}`)).toEqual([
      'a: address 127.0.0.2/8 on lo',
      'a: interface dummy0 (dummy)',
      'host: port eth0 of bridge br0',
      'a: macvlan mv2',
      'a: route blackhole 10.5.0.0/16: blackhole routes are not imported',
      'a: route 10.4.0.0/16: multipath routes are not imported',
      'a: route 10.3.0.0/16 dev veth11: a gateway of the other family (via inet6) is not imported',
      'a: route 10.2.0.0/16 dev veth11: routes with onlink are not imported',
      'a: route 10.1.9.0/24 dev veth11: routes with prefsrc, metrics are not imported',
      'a: rule 902: from all oif mv9 lookup 7',
      'a: rule 903: from 10.9.9.9/32 not lookup 5',
      'host: nftables table inet topo-lab',
      'a: its nft tables',
      'b: nftables table inet filter',
    ]);
    expect(skipped.find((s) => s.what === 'its nft tables')?.why).toBe('not read: no nft');
    expect(skipped.find((s) => s.what.startsWith('rule 902'))?.why).toBe('its interface mv9 is not imported');
    expect(skipped.find((s) => s.what.startsWith('rule 903'))?.why).toBe('it has selectors topo does not write: not');
    expect(skipped.find((s) => s.what === 'macvlan mv2')?.why).toBe('its parent mv1 is a macvlan (topo stacks macvlans on other interfaces only)');
  });

  it('leaves a veth whose peer is in a namespace not imported, and the host, out', () => {
    const { topo, skipped } = importTopology({ snap: snapshot(), name: 'lab', namespaces: ['b'] });
    expect(topo.veths).toEqual([{ ends: [{ name: 'vx', namespace: 'b' }, { name: 'vh' }] }]);
    expect(topo.bridges).toBeUndefined();
    expect(skipped).toContainEqual({ ns: 'b', what: 'veth vb', why: 'its peer va is in namespace a, which is not imported' });
  });

  it('renders a file that validates, its header naming what was left out and how to adopt', () => {
    const snap = snapshot();
    const r = importTopology({ snap, name: 'lab', namespaces: ['a', 'b'], nftTables: { b: ['inet filter'] } });
    const text = renderImport({ ...r, namespaces: ['a', 'b'], nameFrom: 'option', marked: {} }, new Date(0), '9.9.9');
    const v = validateText(text, 'imported.yaml');
    expect(v.problems).toEqual([]);
    expect(v.topo).toEqual(r.topo);
    expect(text).toContain('# Imported by topo 9.9.9 (topo import) from the live kernel at 1970-01-01T00:00:00.000Z.');
    expect(text).toContain('#   - namespace b: nftables table inet filter: nftables tables are not imported');
    expect(text).toContain('reports conflicts and changes nothing');
    expect(text).toContain('- { to: default, via: 172.16.0.1, dev: veth11 }');
  });
});

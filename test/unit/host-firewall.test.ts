// The host firewall check's decisions (ops/host-firewall.ts), from fixtures: what the lab exposes in the host
// namespace, `nft -j list chains` output, br_netfilter's switches and iptables-legacy's tables as /proc shows
// them. br_netfilter is global (one module for the machine) and iptables-legacy is not installed here, so those
// readings are tested on this level; test/integration/host-firewall.test.ts covers nftables chains and the
// per-namespace br_netfilter switch against the kernel.
import { describe, expect, it } from 'vitest';
import { brNetfilter, chainsOf, firewallWarnings, hostExposure, legacyTables, type HostExposure } from '../../src/ops/host-firewall.js';
import type { Topology } from '../../src/model.js';

/** A /proc reader over fixed files; any other path is missing (ENOENT), as the kernel without that module. */
const proc = (files: Record<string, string>) => (path: string) => {
  if (path in files) return files[path];
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const BRNF = { '/proc/sys/net/bridge/bridge-nf-call-iptables': '1\n', '/proc/sys/net/bridge/bridge-nf-call-ip6tables': '0\n' };
const DOCKER_CHAINS = { nftables: [{ metainfo: { json_schema_version: 1 } },
  { chain: { family: 'ip', table: 'filter', name: 'FORWARD', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
  { chain: { family: 'ip', table: 'filter', name: 'DOCKER-USER', handle: 2 } },
  { chain: { family: 'inet', table: 'topo-other', name: 'forward', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
  { chain: { family: 'ip', table: 'nat', name: 'POSTROUTING', handle: 3, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } }] };

const bridgeLab = { name: 'l', bridges: { br0: {} }, namespaces: { a: {} }, veths: [{ ends: [{ name: 'v0', bridge: 'br0' }, { name: 'v1', namespace: 'a' }] }] } as unknown as Topology;
const nsOnly = { name: 'l', namespaces: { a: {}, b: {} }, veths: [{ ends: [{ name: 'v0', namespace: 'a' }, { name: 'v1', namespace: 'b' }] }] } as unknown as Topology;
const routed = { name: 'l', namespaces: { a: {}, host: { sysctls: { 'net.ipv4.ip_forward': 1 } } }, veths: [{ ends: [{ name: 'v0' }, { name: 'v1', namespace: 'a' }] }] } as unknown as Topology;

describe('what the lab exposes in the host namespace', () => {
  it('a host bridge bridges; host interfaces forward only when the host forwards (the file or the kernel says so)', () => {
    expect(hostExposure(bridgeLab, proc({}))).toEqual({ bridges: ['br0'], interfaces: ['br0', 'v0'], forwarding: false });
    expect(hostExposure(bridgeLab, proc({ '/proc/sys/net/ipv4/ip_forward': '1\n' })).forwarding).toBe(true);
    expect(hostExposure(routed, proc({ '/proc/sys/net/ipv4/ip_forward': '0\n' }))).toEqual({ bridges: [], interfaces: ['v0'], forwarding: true });
    // Nothing in the host: nothing forwards there, whatever the host does.
    expect(hostExposure(nsOnly, proc({ '/proc/sys/net/ipv4/ip_forward': '1\n' }))).toEqual({ bridges: [], interfaces: [], forwarding: false });
  });
});

describe('reading', () => {
  it('base chains from nft -j list chains', () => {
    expect(chainsOf(DOCKER_CHAINS).map((c) => `${c.family} ${c.table} ${c.name} ${c.hook ?? '-'} ${c.policy ?? '-'}`))
      .toEqual(['ip filter FORWARD forward drop', 'ip filter DOCKER-USER - -', 'inet topo-other forward forward drop', 'ip nat POSTROUTING postrouting accept']);
    expect(chainsOf({})).toEqual([]);
  });
  it("br_netfilter's switches: absent files mean the module is not loaded", () => {
    expect(brNetfilter(proc(BRNF))).toEqual({ iptables: true, ip6tables: false });
    expect(brNetfilter(proc({}))).toBeUndefined();
  });
  it("iptables-legacy's tables in use, from /proc/net", () => {
    expect(legacyTables(proc({ '/proc/net/ip_tables_names': 'nat\nfilter\n', '/proc/net/ip6_tables_names': '' }))).toEqual(['iptables nat', 'iptables filter']);
    expect(legacyTables(proc({}))).toEqual([]);
  });
});

describe('the warnings', () => {
  const bridged: HostExposure = { bridges: ['br0'], interfaces: ['br0', 'v0'], forwarding: false };
  const forwarding: HostExposure = { bridges: [], interfaces: ['v0'], forwarding: true };
  const chains = chainsOf(DOCKER_CHAINS);
  const codes = (x: HostExposure, f: Parameters<typeof firewallWarnings>[2]) => firewallWarnings('l', x, f).map((w) => w.code);

  it("Docker's FORWARD drop: said for routed traffic, and for bridged traffic only while br_netfilter passes it; never a lab's own table", () => {
    const w = firewallWarnings('l', forwarding, { chains, brnf: undefined, legacy: [] });
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('chain ip filter FORWARD (hook forward, policy drop) drops traffic the host routes');
    expect(w[0].hint).toContain('iptables -I DOCKER-USER -i v0 -j ACCEPT');
    expect(codes(bridged, { chains, brnf: { iptables: true, ip6tables: false }, legacy: [] })).toEqual(['host-forward-drop']);
    expect(codes(bridged, { chains, brnf: { iptables: false, ip6tables: true }, legacy: [] })).toEqual([]); // ip6 frames don't reach an ip chain
    expect(codes(bridged, { chains, brnf: undefined, legacy: [] })).toEqual([]);
  });

  it('br_netfilter with iptables-legacy in use: said for a host bridge, with the sysctl that turns it off', () => {
    const w = firewallWarnings('l', bridged, { chains: [], brnf: { iptables: true, ip6tables: false }, legacy: ['iptables filter'] });
    expect(w.map((x) => x.code)).toEqual(['host-br-netfilter']);
    expect(w[0].hint).toContain('sysctl -w net.bridge.bridge-nf-call-iptables=0');
    expect(w[0].hint).toContain('iptables -I DOCKER-USER -i br0 -o br0 -j ACCEPT');
    // Loaded but switched off, or no legacy table to drop in: nothing to say.
    expect(codes(bridged, { chains: [], brnf: { iptables: false, ip6tables: false }, legacy: ['iptables filter'] })).toEqual([]);
    expect(codes(bridged, { chains: [], brnf: { iptables: true, ip6tables: true }, legacy: [] })).toEqual([]);
    expect(codes(bridged, { chains: [], brnf: { iptables: true, ip6tables: true }, legacy: ['iptables nat'] })).toEqual([]);
  });

  it('a routed lab beside iptables-legacy: said, since its rules are invisible to nft', () => {
    expect(codes(forwarding, { chains: [], brnf: undefined, legacy: ['iptables filter'] })).toEqual(['host-iptables-legacy']);
  });
});

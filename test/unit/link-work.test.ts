// The test suite's own idea of when the kernel has settled (test/helpers/link-work.ts), on links as
// `ip -d -json addr show` printed them (trimmed to the fields read).
import { describe, expect, it } from 'vitest';
import { bridgeCarrierPending, linkWorkPending, type NsRead } from '../helpers/link-work.js';

// A veth whose carrier is still coming: up, without carrier, while its peer is up. Links of a lab that
// import.test.ts generated: the host's imh0a (2@if3) pairs with im-a's v0b (3), and im-a's v2a (2@if3, down)
// with im-b's v2b (3, on a bridge): from v2b, both the host's imh0a and im-a's v2a mirror its indexes.
const link = (ifname: string, ifindex: number, link_index: number, flags: string[]) =>
  ({ ifname, ifindex, link_index, link_type: 'ether', flags, mtu: 1500, inet6_addr_gen_mode: 'none' });
const UP = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], UP_NO_CARRIER = ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], DOWN = ['BROADCAST', 'MULTICAST'];
const ns = (...raw: any[]): NsRead => ({ raw, fe80Routes: new Set() });

describe('a veth whose carrier is still coming', () => {
  it('is pending while its one peer is up, settled when that peer is down', () => {
    expect(linkWorkPending([ns(link('h0', 2, 2, UP)), ns(link('n0', 2, 2, UP_NO_CARRIER))])).toBe(true);
    expect(linkWorkPending([ns(link('h0', 2, 2, DOWN)), ns(link('n0', 2, 2, UP_NO_CARRIER))])).toBe(false);
  });

  it('two pairs whose indexes mirror alike: settled while one link that may be its peer is down, pending when all are up', () => {
    const host = ns(link('imh0a', 2, 3, UP));
    const imA = (v2a: string[]) => ns(link('v2a', 2, 3, v2a), link('v0b', 3, 2, UP));
    const imB = ns(link('v2b', 3, 2, UP_NO_CARRIER));
    expect(linkWorkPending([host, imA(DOWN), imB])).toBe(false);
    expect(linkWorkPending([host, imA(UP), imB])).toBe(true);
  });
});

// A bridge's carrier is pending only while it differs from what its ports give it; a bridge without ports is
// settled with or without carrier. Links as printed on kernel 6.18, in a sandbox: a new bridge set up with no port;
// the same after a veth joined it (down, then up with its peer up); then after the port left.
const bridge = (flags: string[], stp = 0) => ({ ifname: 'br9', flags, linkinfo: { info_kind: 'bridge', info_data: { stp_state: stp } } });
const port = (flags: string[]) => ({ ifname: 'va', flags, master: 'br9', link: 'vb', linkinfo: { info_kind: 'veth' } });

describe('when a bridge counts as settled', () => {
  it('a bridge without ports: settled with carrier (new) and without (its ports gone)', () => {
    expect(bridgeCarrierPending([bridge(UP)])).toBe(false);
    expect(bridgeCarrierPending([bridge(UP_NO_CARRIER)])).toBe(false);
  });

  it('with ports: pending while its carrier differs from theirs', () => {
    expect(bridgeCarrierPending([bridge(UP_NO_CARRIER), port(['BROADCAST', 'MULTICAST', 'M-DOWN'])])).toBe(false);
    expect(bridgeCarrierPending([bridge(UP_NO_CARRIER), port(UP)])).toBe(true);
    expect(bridgeCarrierPending([bridge(UP), port(UP)])).toBe(false);
    expect(bridgeCarrierPending([bridge(UP), port(UP_NO_CARRIER)])).toBe(true);
  });

  it('a bridge down, or with STP (its ports wait out their own states), is not judged here', () => {
    expect(bridgeCarrierPending([bridge(['BROADCAST', 'MULTICAST']), port(UP)])).toBe(false);
    expect(bridgeCarrierPending([bridge(UP_NO_CARRIER, 1), port(UP)])).toBe(false);
  });
});

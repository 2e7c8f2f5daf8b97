// The test suite's own idea of a veth whose carrier is still coming (test/helpers/link-work.ts): up, without carrier,
// while its peer is up. Links as `ip -d -json addr show` printed them for a lab that import.test.ts generated
// (trimmed to the fields read): the host's imh0a (2@if3) pairs with im-a's v0b (3), and im-a's v2a (2@if3, down)
// with im-b's v2b (3, on a bridge): from v2b, both the host's imh0a and im-a's v2a mirror its indexes.
import { describe, expect, it } from 'vitest';
import { linkWorkPending, type NsRead } from '../helpers/link-work.js';

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

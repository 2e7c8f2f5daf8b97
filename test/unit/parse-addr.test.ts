// core/ip.ts parseAddr reads IPv4 with its own four-part check: it accepts exactly what ipaddr.js's
// isValidFourPartDecimal accepted (which it replaced for speed), with the same octets. Its IPv6 reading (ipv6Words)
// accepts exactly what inet_pton accepts (Node's net.isIPv6, zones aside), with the words the URL parser reads.
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { ipv6Words, parseAddr } from '../../src/core/ip.js';

const before = (s: string) => (ipaddr.IPv4.isValidFourPartDecimal(s) ? ipaddr.IPv4.parse(s).octets : undefined);
const now = (s: string) => { const a = parseAddr(s); return a instanceof ipaddr.IPv4 ? a.octets : undefined; };

/** Strings near the dotted form: octets 0..999 with leading zeros or signs now and then, 1-5 parts, odd separators. */
const nearDotted = fc.array(fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), fc.constantFrom('', '00', '01', '0x1', '+1', '-1', ' 1', '1 ', '256', '255')),
  { minLength: 1, maxLength: 5 }).chain((parts) => fc.constantFrom('.', '..', ',').map((sep) => parts.join(sep)));

describe('parseAddr, IPv4', () => {
  it('accepts exactly the four-part decimal forms ipaddr.js accepted, with the same octets', () => {
    fc.assert(fc.property(fc.oneof(nearDotted, fc.string()), (s) => { expect(now(s)).toEqual(before(s)); }), { numRuns: 5000 });
  });

  it('examples: plain, edge octets; no leading zeros, short forms, hex or out-of-range octets', () => {
    expect(now('10.0.1.45')).toEqual([10, 0, 1, 45]);
    expect(now('0.0.0.0')).toEqual([0, 0, 0, 0]);
    expect(now('255.255.255.255')).toEqual([255, 255, 255, 255]);
    for (const bad of ['010.0.0.1', '10.1', '10.0.0.256', '0x0a.0.0.1', '10.0.0.1 ', '1.2.3.4.5', '']) expect(now(bad), bad).toBeUndefined();
  });
});

/** The words of an IPv6 address as the WHATWG URL parser reads it (its text: hex groups, at most one "::"). */
function urlWords(s: string): number[] | undefined {
  let host: string;
  try { host = new URL(`http://[${s}]`).hostname.slice(1, -1); } catch { return undefined; }
  const [head, tail] = host.split('::').map((h) => (h ? h.split(':').map((g) => parseInt(g, 16)) : []));
  return tail === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Strings near IPv6 syntax: 1-9 groups of 0-5 hex digits, "::" here and there, now and then a dotted tail. */
const nearIpv6 = fc.tuple(
  fc.array(fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,5}$/), fc.constantFrom('0', 'ffff', 'g', '')), { minLength: 1, maxLength: 9 }),
  fc.array(fc.constantFrom(':', '::', ':::'), { minLength: 9, maxLength: 9 }),
  fc.option(fc.constantFrom('1.2.3.4', '01.2.3.4', '1.2.3', '255.255.255.255', '256.1.1.1', '0.0.0.0')),
).map(([groups, seps, v4]) => groups.map((g, i) => (i ? seps[i] : '') + g).join('') + (v4 === null ? '' : `:${v4}`));

describe('parseAddr, IPv6', () => {
  it('accepts exactly what inet_pton accepts, with the same words', () => {
    fc.assert(fc.property(fc.oneof(nearIpv6, fc.string()), (s) => {
      fc.pre(!s.includes('%')); // zones: inet_pton (net.isIPv6) takes them, the kernel's addresses have none
      const words = ipv6Words(s);
      expect(words !== undefined, s).toBe(isIPv6(s));
      if (words) expect(words, s).toEqual(urlWords(s));
    }), { numRuns: 5000 });
  });

  it('examples: "::" for one zero word or more, a dotted tail last, nothing else', () => {
    expect(ipv6Words('fe80::d8b8:70ff:fe39:d75a')).toEqual([0xfe80, 0, 0, 0, 0xd8b8, 0x70ff, 0xfe39, 0xd75a]);
    expect(ipv6Words('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Words('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    for (const bad of ['1::2::3', '1::2:3:4:5:6:7:8', '::01.2.3.4', '1.2.3.4::', '0fd80::1', ':::', '1:2:3:4:5:6:7:8:9', '']) expect(ipv6Words(bad), bad).toBeUndefined();
  });
});

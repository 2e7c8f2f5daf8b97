// core/ip.ts parseAddr reads IPv4 with its own four-part check: it accepts exactly what ipaddr.js's
// isValidFourPartDecimal accepted (which it replaced for speed), with the same octets.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseAddr } from '../../src/core/ip.js';

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

// The qdisc decoder's pure parts (src/io/netlink/qdiscs.ts): tc's tick unit from /proc/net/psched, as tc_core_init
// computes it, and handles printed as tc prints them. The decoding itself is compared with tc on a real kernel
// (test/integration/netlink-read.test.ts).
import { describe, expect, it } from 'vitest';
import { classid, tickInUsec } from '../../src/io/netlink/qdiscs.js';

describe('qdisc decoding', () => {
  it('tc\'s tick: t2us / us2t × clock_res / 10^6; with a nanosecond clock the advertised multiplier is ignored', () => {
    expect(tickInUsec('000003e8 00000040 000f4240 3b9aca00\n')).toBe(15.625); // this machine's kernel
    expect(tickInUsec('000003e8 00000040 3b9aca00 3b9aca00\n')).toBe(1000); // 1 ns clock: t2us taken as us2t
    expect(tickInUsec('00000001 00000001 000f4240 00000064\n')).toBe(1);
  });
  it('handles: root, none, major only, minor only, both, in hexadecimal', () => {
    expect(classid(0xffffffff)).toBe('root');
    expect(classid(0)).toBe('none');
    expect(classid(0x07a00000)).toBe('7a0:');
    expect(classid(0x07a00001)).toBe('7a0:1');
    expect(classid(0x0000fff1)).toBe(':fff1');
    expect(classid(0xffff0000)).toBe('ffff:');
  });
});

// The netlink engine's codec and decoders on bytes built here as the kernel lays them out: attribute alignment,
// nested attributes, several messages in one datagram, NLMSG_ERROR with and without extended ack, NLMSG_DONE
// carrying an error; a dump read over a scripted socket (multipart answers until DONE); names and addresses as
// `ip` prints them.
import { describe, expect, it } from 'vitest';
import { attrList, encodeAttr, encodeRequest, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, parseAttrs,
  parseDone, parseError, parseMessages, RTM, cstr, u32Attr } from '../../src/io/netlink/codec.js';
import { inetNtop, linkFlags, llAddr, neighStates } from '../../src/io/netlink/names.js';
import { NetlinkError, NetlinkSocket } from '../../src/io/netlink/socket.js';
import { dumpAddrs, dumpLinks, linkDocs } from '../../src/io/netlink/links.js';
import { nsidsOfFds } from '../../src/io/netlink/routes.js';
import type { Libc } from '../../src/io/netlink/ffi.js';

/** A message as the kernel sends it: header, payload, padded to 4 bytes. */
function msg(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const m = encodeRequest(type, flags, seq, payload);
  return m;
}
const str = (s: string) => Buffer.from(`${s}\0`);
const u32b = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const errPayload = (errno: number, req: Buffer, tlvs: Buffer[] = []) => { const e = Buffer.alloc(4); e.writeInt32LE(-errno); return Buffer.concat([e, req, ...tlvs]); };

describe('attributes', () => {
  it('pads each attribute to 4 bytes and reads them back in order, nested ones included', () => {
    const nested = encodeAttr(18, Buffer.concat([encodeAttr(1, str('veth')), encodeAttr(2, Buffer.alloc(0))]));
    const buf = Buffer.concat([encodeAttr(3, str('ab')), u32Attr(4, 1500), nested]);
    expect(encodeAttr(3, str('ab')).length).toBe(8); // 4 + 3 bytes, padded
    expect(encodeAttr(3, str('abcd')).readUInt16LE(0)).toBe(9); // the length says the unpadded size
    const a = parseAttrs(buf);
    expect(cstr(a.get(3))).toBe('ab');
    expect(a.get(4)!.readUInt32LE(0)).toBe(1500);
    expect(cstr(parseAttrs(a.get(18)!).get(1))).toBe('veth');
    expect(parseAttrs(a.get(18)!).get(2)!.length).toBe(0);
  });
  it('masks NLA_F_NESTED and NLA_F_NET_BYTEORDER off the type; stops at a truncated attribute', () => {
    const b = encodeAttr(2, u32b(7));
    b.writeUInt16LE(2 | 0x8000 | 0x4000, 2);
    const cut = Buffer.concat([b, Buffer.from([12, 0, 1, 0, 1])]); // says 12 bytes, has 5
    expect(attrList(cut).map(([t]) => t)).toEqual([2]);
  });
});

describe('messages', () => {
  it('splits a datagram holding several messages, each 4-byte aligned; refuses a message running past the end', () => {
    const d = Buffer.concat([msg(RTM.NEWLINK, NLM_F_MULTI, 5, Buffer.from([1, 2, 3])), msg(NLMSG_DONE, NLM_F_MULTI, 5, u32b(0))]);
    const ms = parseMessages(d);
    expect(ms.map((m) => [m.type, m.seq, m.payload.length])).toEqual([[RTM.NEWLINK, 5, 4], [NLMSG_DONE, 5, 4]]);
    const bad = Buffer.from(d);
    bad.writeUInt32LE(4096, 0);
    expect(() => parseMessages(bad)).toThrow(/length 4096 at byte 0/);
  });
  it('NLMSG_ERROR: errno alone, an ack (0), and with extended ack after the echoed request (capped or whole)', () => {
    const req = encodeRequest(RTM.GETROUTE, 0x301, 9, Buffer.alloc(12));
    expect(parseError(parseMessages(msg(NLMSG_ERROR, 0, 9, errPayload(17, req)))[0])).toEqual({ errno: 17 });
    expect(parseError(parseMessages(msg(NLMSG_ERROR, 0, 9, errPayload(0, req)))[0])).toEqual({ errno: 0 });
    const tlv = encodeAttr(1, str('Invalid header for route dump request'));
    const whole = parseMessages(msg(NLMSG_ERROR, NLM_F_ACK_TLVS, 9, errPayload(22, req, [tlv, u32Attr(2, 16)])))[0];
    expect(parseError(whole)).toEqual({ errno: 22, msg: 'Invalid header for route dump request' });
    const capped = parseMessages(msg(NLMSG_ERROR, NLM_F_ACK_TLVS | NLM_F_CAPPED, 9, errPayload(22, req.subarray(0, 16), [tlv])))[0];
    expect(parseError(capped)).toEqual({ errno: 22, msg: 'Invalid header for route dump request' });
  });
  it('NLMSG_DONE: 0 ends a dump; a negative code is the error that cut it short', () => {
    expect(parseDone(parseMessages(msg(NLMSG_DONE, NLM_F_MULTI, 1, u32b(0)))[0])).toEqual({ errno: 0 });
    const e = Buffer.alloc(4); e.writeInt32LE(-16);
    expect(parseDone(parseMessages(msg(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 1, Buffer.concat([e, encodeAttr(1, str('busy'))])))[0]))
      .toEqual({ errno: 16, msg: 'busy' });
  });
});

/** A libc whose socket answers each request with the datagrams `answer` gives for its sequence number. */
function scripted(answer: (seq: number, req: Buffer) => Buffer[]): { libc: Libc; sent: Buffer[] } {
  const queue: Buffer[] = [];
  const sent: Buffer[] = [];
  const libc = {
    send: (_fd: number, buf: Buffer, len: number) => { const req = Buffer.from(buf.subarray(0, len)); sent.push(req); queue.push(...answer(req.readUInt32LE(8), req)); return len; },
    recv: (_fd: number, buf: Buffer) => { const d = queue.shift()!; d.copy(buf); return d.length; },
    errno: () => 0, strerror: (e: number) => ({ 16: 'Device or resource busy', 95: 'Operation not supported' } as Record<number, string>)[e] ?? `errno ${e}`,
    close: () => 0,
  } as unknown as Libc;
  return { libc, sent };
}

function ifinfo(index: number, flags: number, attrs: Buffer[], type = 1): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16LE(type, 2); h.writeInt32LE(index, 4); h.writeUInt32LE(flags, 8);
  return Buffer.concat([h, ...attrs]);
}

describe('a dump over the socket', () => {
  it('reads multipart answers across datagrams until NLMSG_DONE, and ignores stray answers to other requests', () => {
    const { libc, sent } = scripted((seq) => [
      Buffer.concat([msg(NLMSG_DONE, NLM_F_MULTI, seq - 1, u32b(0)), msg(RTM.NEWLINK, NLM_F_MULTI, seq, ifinfo(1, 0x49, [encodeAttr(3, str('lo')), u32Attr(4, 65536)], 772))]),
      Buffer.concat([msg(RTM.NEWLINK, NLM_F_MULTI, seq, ifinfo(2, 0x1003, [encodeAttr(3, str('veth0')), encodeAttr(1, Buffer.from([2, 0, 0, 0, 0, 1])),
        u32Attr(5, 3), encodeAttr(18, encodeAttr(1, str('veth')))]))]),
      msg(NLMSG_DONE, NLM_F_MULTI, seq, u32b(0)),
    ]);
    const sock = new NetlinkSocket(libc, 3);
    const links = dumpLinks(sock);
    expect(sent[0].readUInt16LE(4)).toBe(RTM.GETLINK);
    expect(sent[0].readUInt16LE(6)).toBe(0x301); // REQUEST | DUMP
    expect(linkDocs(links)).toEqual([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536 },
      { ifindex: 2, ifname: 'veth0', link: 'if3', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], address: '02:00:00:00:00:01', linkinfo: { info_kind: 'veth' } },
    ]);
  });
  it('an NLMSG_ERROR answer is a NetlinkError with the errno\'s text and the kernel\'s message', () => {
    const { libc } = scripted((seq, req) => [msg(NLMSG_ERROR, NLM_F_ACK_TLVS, seq, errPayload(95, req, [encodeAttr(1, str('no such dump'))]))]);
    const e = (() => { try { dumpAddrs(new NetlinkSocket(libc, 3)); } catch (x) { return x; } })() as NetlinkError;
    expect(e).toBeInstanceOf(NetlinkError);
    expect([e.errno, e.message]).toEqual([95, 'Operation not supported (no such dump)']);
  });
  it('requests sent in one datagram: each answer (or error) to its own request, in order, across datagrams', () => {
    const nsid = (n: number) => Buffer.concat([Buffer.alloc(4), encodeAttr(1, (() => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; })())]);
    // Answers to requests seq .. seq+2, out of datagram boundaries, a stray one of an earlier request first; the
    // second request refused (EINVAL).
    const { libc, sent } = scripted((seq, req) => [
      Buffer.concat([msg(RTM.NEWNSID, 0, seq - 1, nsid(9)), msg(RTM.NEWNSID, 0, seq, nsid(4))]),
      Buffer.concat([msg(NLMSG_ERROR, 0, seq + 1, errPayload(22, req.subarray(28, 56))), msg(RTM.NEWNSID, 0, seq + 2, nsid(-1))]),
    ]);
    const answers = nsidsOfFds(new NetlinkSocket(libc, 3), [10, 11, 12]);
    expect(sent).toHaveLength(1); // one datagram of three requests, 28 bytes each, consecutive sequence numbers
    const seq = sent[0].readUInt32LE(8);
    expect(parseMessages(sent[0]).map((m) => [m.type, m.seq, parseAttrs(m.payload, 4).get(3)!.readUInt32LE(0)]))
      .toEqual([[RTM.GETNSID, seq, 10], [RTM.GETNSID, seq + 1, 11], [RTM.GETNSID, seq + 2, 12]]);
    expect(sent[0].length).toBe(3 * 28);
    expect(answers[0]).toBe(4);
    expect(answers[1]).toBeInstanceOf(NetlinkError);
    expect((answers[1] as NetlinkError).errno).toBe(22);
    expect(answers[2]).toBe(-1);
  });
  it('a dump the kernel cuts short (negative NLMSG_DONE) is an error too', () => {
    const e = Buffer.alloc(4); e.writeInt32LE(-16);
    const { libc } = scripted((seq) => [msg(NLMSG_DONE, NLM_F_MULTI, seq, e)]);
    expect(() => dumpAddrs(new NetlinkSocket(libc, 3))).toThrow('Device or resource busy');
  });
});

describe('as ip prints them', () => {
  it('IPv6 addresses as glibc inet_ntop writes them', () => {
    const v6 = (s: string) => { const w = s.split(':'); const b = Buffer.alloc(16); w.forEach((x, i) => b.writeUInt16BE(parseInt(x, 16), i * 2)); return b; };
    expect(inetNtop(v6('0:0:0:0:0:0:0:0'))).toBe('::');
    expect(inetNtop(v6('0:0:0:0:0:0:0:1'))).toBe('::1');
    expect(inetNtop(v6('fd00:0:0:0:0:0:0:11'))).toBe('fd00::11');
    expect(inetNtop(v6('fe80:0:0:0:1:0:0:1'))).toBe('fe80::1:0:0:1'); // the first of two equal runs
    expect(inetNtop(v6('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1'); // one zero word is no run
    expect(inetNtop(v6('0:0:0:0:0:ffff:102:304'))).toBe('::ffff:1.2.3.4');
    expect(inetNtop(v6('0:0:0:0:0:0:102:304'))).toBe('::1.2.3.4');
    expect(inetNtop(Buffer.from([10, 0, 0, 1]))).toBe('10.0.0.1');
  });
  it('link-layer addresses (tunnels\' as IP addresses), flags and neighbour states in ip\'s order', () => {
    expect(llAddr(Buffer.from([0xaa, 0, 1, 2, 3, 0xff]), 1)).toBe('aa:00:01:02:03:ff');
    expect(llAddr(Buffer.from([192, 0, 2, 1]), 778)).toBe('192.0.2.1');
    expect(linkFlags(0x1 | 0x2 | 0x1000 | 0x40 | 0x10000 | 0x100, false)).toEqual(['BROADCAST', 'MULTICAST', 'PROMISC', 'UP', 'LOWER_UP']);
    expect(linkFlags(0x1 | 0x2, true)).toEqual(['NO-CARRIER', 'BROADCAST', 'UP', 'M-DOWN']);
    expect(neighStates(0x80)).toEqual(['PERMANENT']);
    expect(neighStates(0x2 | 0x400)).toEqual(['REACHABLE', '0x400']);
  });
});

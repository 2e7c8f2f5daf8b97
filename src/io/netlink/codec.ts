// A small rtnetlink codec: netlink message headers, the fixed headers of the messages topo reads, and attributes
// (type-length-value, each 4-byte aligned, nested ones holding attributes). Pure: bytes in, values out.

export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_DUMP = 0x300;
/** In an NLMSG_ERROR: the request was not echoed back in full / extended-ack attributes follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;

export const RTM = {
  NEWLINK: 16, GETLINK: 18, NEWADDR: 20, GETADDR: 22, NEWROUTE: 24, GETROUTE: 26,
  NEWNEIGH: 28, GETNEIGH: 30, NEWRULE: 32, GETRULE: 34, NEWNSID: 88, GETNSID: 90,
} as const;

export const align4 = (n: number) => (n + 3) & ~3;

/** One netlink message: its header's fields and its payload (a view into the received bytes). */
export interface NlMsg { type: number; flags: number; seq: number; pid: number; payload: Buffer }

/** A request: header, fixed part (already encoded), then attributes. */
export function encodeRequest(type: number, flags: number, seq: number, fixed: Buffer, attrs: Buffer[] = []): Buffer {
  return encodeRequests(type, flags, seq, [Buffer.concat([padded(fixed), ...attrs])]);
}

/**
 * Requests of one type, one after the other in one buffer (a datagram), with sequence numbers from `seq` on: each
 * body its fixed part and attributes, already encoded and padded.
 */
export function encodeRequests(type: number, flags: number, seq: number, bodies: Buffer[]): Buffer {
  let size = 0;
  for (const b of bodies) size += NLMSG_HDRLEN + align4(b.length);
  const out = Buffer.alloc(size);
  let at = 0;
  bodies.forEach((b, i) => {
    out.writeUInt32LE(NLMSG_HDRLEN + b.length, at);
    out.writeUInt16LE(type, at + 4);
    out.writeUInt16LE(flags, at + 6);
    out.writeUInt32LE(seq + i, at + 8);
    b.copy(out, at + NLMSG_HDRLEN);
    at += NLMSG_HDRLEN + align4(b.length);
  });
  return out;
}

const padded = (b: Buffer) => (b.length % 4 ? Buffer.concat([b, Buffer.alloc(align4(b.length) - b.length)]) : b);

/** An attribute: its type and value, padded to 4 bytes. */
export function encodeAttr(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(align4(4 + value.length));
  out.writeUInt16LE(4 + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}
export const u32Attr = (type: number, v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return encodeAttr(type, b); };

/** The messages in one datagram; a message whose length runs past the end is an error (never read half). */
export function parseMessages(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) throw new Error(`netlink message of length ${len} at byte ${at} of a ${buf.length}-byte datagram`);
    out.push({ type: buf.readUInt16LE(at + 4), flags: buf.readUInt16LE(at + 6), seq: buf.readUInt32LE(at + 8), pid: buf.readUInt32LE(at + 12),
      payload: buf.subarray(at + NLMSG_HDRLEN, at + len) });
    at += align4(len);
  }
  return out;
}

/**
 * Attributes by type (the last of a type wins); nested and byte-order flag bits are masked off the type. Only their
 * places are read at first: a value is cut out of the message when asked for (a link's message holds ~50 attributes,
 * of which a read asks for a few).
 */
export class Attrs {
  /** Type, start and end of each attribute, in the message's order. */
  private readonly places: number[] = [];
  constructor(private readonly buf: Buffer, from = 0) {
    let at = from;
    while (at + 4 <= buf.length) {
      const len = buf.readUInt16LE(at);
      if (len < 4 || at + len > buf.length) break; // truncated: the rest can't be read
      this.places.push(buf.readUInt16LE(at + 2) & 0x3fff, at + 4, at + len);
      at += align4(len);
    }
  }

  get(type: number): Buffer | undefined {
    for (let i = this.places.length - 3; i >= 0; i -= 3) {
      if (this.places[i] === type) return this.buf.subarray(this.places[i + 1], this.places[i + 2]);
    }
    return undefined;
  }

  /** Each type once, in the order it first appears, with its last value (as a Map of them would iterate). */
  *[Symbol.iterator](): IterableIterator<[number, Buffer]> {
    const seen = new Set<number>();
    for (let i = 0; i < this.places.length; i += 3) {
      const type = this.places[i];
      if (!seen.has(type)) { seen.add(type); yield [type, this.get(type)!]; }
    }
  }
}
export const parseAttrs = (buf: Buffer, from = 0): Attrs => new Attrs(buf, from);

/** Attributes in order, repeats kept (a list such as a multipath route's next hops). */
export function attrList(buf: Buffer, from = 0): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let at = from;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > buf.length) break; // truncated: the rest can't be read
    out.push([buf.readUInt16LE(at + 2) & 0x3fff, buf.subarray(at + 4, at + len)]);
    at += align4(len);
  }
  return out;
}

export const u8 = (b: Buffer | undefined) => (b && b.length >= 1 ? b.readUInt8(0) : undefined);
export const u16 = (b: Buffer | undefined) => (b && b.length >= 2 ? b.readUInt16LE(0) : undefined);
export const u32 = (b: Buffer | undefined) => (b && b.length >= 4 ? b.readUInt32LE(0) : undefined);
export const s32 = (b: Buffer | undefined) => (b && b.length >= 4 ? b.readInt32LE(0) : undefined);
/** A NUL-terminated string attribute. */
export const cstr = (b: Buffer | undefined) => {
  if (!b) return undefined;
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
};

/** An NLMSG_ERROR's errno (positive; 0 is an ack) and the kernel's extended-ack message, when it sent one. */
export function parseError(m: NlMsg): { errno: number; msg?: string } {
  const errno = -m.payload.readInt32LE(0) || 0; // never -0
  if (!(m.flags & NLM_F_ACK_TLVS)) return { errno };
  // After the error code: the request's header (all of the request unless CAPPED), then the TLVs.
  const reqLen = m.payload.length >= 8 ? m.payload.readUInt32LE(4) : 0;
  const tlvAt = 4 + (m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(reqLen));
  const msg = cstr(parseAttrs(m.payload, tlvAt).get(NLMSGERR_ATTR_MSG));
  return msg ? { errno, msg } : { errno };
}

/** An NLMSG_DONE's error code (a dump the kernel cut short ends with a negative one) and extended-ack message. */
export function parseDone(m: NlMsg): { errno: number; msg?: string } {
  if (m.payload.length < 4) return { errno: 0 };
  const errno = -m.payload.readInt32LE(0) || 0; // never -0
  const msg = m.flags & NLM_F_ACK_TLVS ? cstr(parseAttrs(m.payload, 4).get(NLMSGERR_ATTR_MSG)) : undefined;
  return msg ? { errno, msg } : { errno };
}

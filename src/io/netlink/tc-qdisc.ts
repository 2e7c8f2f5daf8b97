// What `tc` sends the kernel for the qdisc commands topo's shaping makes with a tbf (kinds/shape.ts): `tc qdisc
// add|replace|change dev DEV root|parent H [handle H] tbf rate R burst B latency L|limit N` and `tc qdisc del dev DEV
// root|parent H [handle H]`, read from the command's words and built as iproute2 builds them (tc/tc_qdisc.c
// tc_qdisc_modify, tc/q_tbf.c tbf_parse_opt, tc/tc_core.c tc_calc_rtable): the same request, so the same kernel state
// (test/integration/netlink-tc-write.test.ts compares them). Any other command (netem, the escape hatch's qdisc text,
// other options or units) is not read here: it runs as `tc`.
import { encodeAttr, u32Attr } from './codec.js';
import { type Lookups, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, type Request } from './requests.js';

const RTM_NEWQDISC = 36, RTM_DELQDISC = 37;
const TCA_KIND = 1, TCA_OPTIONS = 2;
const TBF = { PARMS: 1, RTAB: 2, RATE64: 4, BURST: 6 };
const TC_H_ROOT = 0xffffffff;
const TC_LINKLAYER_ETHERNET = 1;
/** tc's TIME_UNITS_PER_SEC: its times are microseconds. */
const USEC = 1e6;
/** The MTU tc_calc_rtable assumes when none is given, and so the rate table's cell size (2047 >> 3 ≤ 255). */
const RTABLE_MTU = 2047;

/** A qdisc command read from tc's words. */
export interface TcOp {
  verb: 'add' | 'replace' | 'change' | 'del';
  dev: string;
  parent: number;
  handle: number;
  /** Bytes per second, bytes, and the queue: a limit in bytes or a latency in microseconds. Absent: a deletion. */
  tbf?: { rate: number; burst: number; limit?: number; latency?: number };
}

const FLAGS: Record<TcOp['verb'], number> = { add: NLM_F_EXCL | NLM_F_CREATE, replace: NLM_F_CREATE | NLM_F_REPLACE, change: 0, del: 0 };
const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };
const TIME_UNITS: Record<string, number> = { s: USEC, ms: 1e3, us: 1 };

/** The command `tc ARGS` as a TcOp, or undefined when it is not one read here (it runs as `tc`). */
export function readTcArgs(args: string[]): TcOp | undefined {
  const [what, verb, ...rest] = args;
  if (what !== 'qdisc' || !(verb === 'add' || verb === 'replace' || verb === 'change' || verb === 'del')) return undefined;
  let dev: string | undefined, parent: number | undefined, handle = 0, i = 0;
  for (; i < rest.length && rest[i] !== 'tbf'; i++) {
    const w = rest[i], v = rest[i + 1];
    if (w === 'root' && parent === undefined) { parent = TC_H_ROOT; continue; }
    if (v === undefined) return undefined;
    if (w === 'dev' && dev === undefined) dev = v;
    else if (w === 'parent' && parent === undefined) parent = classid(v, false);
    else if (w === 'handle') handle = classid(v, true) ?? NaN;
    else return undefined;
    i++;
  }
  if (dev === undefined || parent === undefined || Number.isNaN(handle)) return undefined;
  if (verb === 'del') return i === rest.length ? { verb, dev, parent, handle } : undefined;
  const tbf = tbfOf(rest.slice(i + 1));
  return i < rest.length && tbf ? { verb, dev, parent, handle, tbf } : undefined;
}

/** tbf's options: rate, burst, and latency or limit, each once, in the units topo writes (shape-units.ts). */
function tbfOf(words: string[]): TcOp['tbf'] | undefined {
  const o: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) {
    if (!['rate', 'burst', 'latency', 'limit'].includes(words[i]) || words[i + 1] === undefined || o[words[i]] !== undefined) return undefined;
    o[words[i]] = words[i + 1];
  }
  const rate = /^([0-9]+)([a-z]+)$/.exec(o.rate ?? '');
  const time = /^([0-9]+)([a-z]+)$/.exec(o.latency ?? '');
  const bytes = (v: string | undefined) => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : undefined);
  const burst = bytes(o.burst), limit = bytes(o.limit);
  if ((o.latency === undefined) === (o.limit === undefined)) return undefined; // one of them, as tc asks
  if (!rate || !RATE_UNITS[rate[2]] || !burst) return undefined;
  if (o.latency !== undefined ? !time || !TIME_UNITS[time[2]] : limit === undefined) return undefined;
  // get_rate64: bits as a double, scaled, then bytes (truncated); get_time: microseconds (truncated).
  const bps = Math.floor((Number(rate[1]) * RATE_UNITS[rate[2]]) / 8);
  if (!bps) return undefined;
  return { rate: bps, burst, ...(time ? { latency: Math.floor(Number(time[1]) * TIME_UNITS[time[2]]) } : { limit }) };
}

/** A handle ("7a0:", major only) or a parent class ("7a0:1"), in hexadecimal as tc reads them; undefined: not one. */
function classid(text: string, handle: boolean): number | undefined {
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{0,4})$/i.exec(text);
  if (!m || (handle && m[2] !== '')) return undefined;
  return ((parseInt(m[1], 16) << 16) | (m[2] ? parseInt(m[2], 16) : 0)) >>> 0;
}

/**
 * The request tc sends for the command (its ack asked for). `tick`: tc's tick in microseconds (qdiscs.ts tickInUsec),
 * for the rate table and the buffer's time, which tc computes and sends along.
 */
export function tcRequestOf(op: TcOp, look: Lookups, tick: number): Request {
  const fixed = Buffer.alloc(20); // struct tcmsg: family (AF_UNSPEC), padding, ifindex, handle, parent, info
  fixed.writeInt32LE(look.ifindex(op.dev), 4);
  fixed.writeUInt32LE(op.handle, 8);
  fixed.writeUInt32LE(op.parent, 12);
  const attrs = op.tbf ? [encodeAttr(TCA_KIND, Buffer.from('tbf\0')), encodeAttr(TCA_OPTIONS, Buffer.concat(tbfAttrs(op.tbf, tick)))] : [];
  return { type: op.tbf ? RTM_NEWQDISC : RTM_DELQDISC, flags: FLAGS[op.verb] | NLM_F_ACK, fixed, attrs };
}

/** tbf_parse_opt's attributes: the parameters, the burst in bytes, the 64-bit rate when it needs one, the rate table. */
function tbfAttrs(t: NonNullable<TcOp['tbf']>, tick: number): Buffer[] {
  // tc_calc_xmittime: the time in whole microseconds (unsigned), then in ticks (unsigned).
  const xmittime = (rate: number, size: number) => Math.trunc((Math.trunc(USEC * (size / rate)) >>> 0) * tick) >>> 0;
  const rate32 = Math.min(t.rate, 0xffffffff);
  const limit = t.limit ?? Math.trunc((t.rate * t.latency!) / USEC + t.burst);
  let cellLog = 0;
  while ((RTABLE_MTU >> cellLog) > 255) cellLog++;
  const parms = Buffer.alloc(36); // struct tc_tbf_qopt: rate, peakrate (tc_ratespec, 12 bytes each), limit, buffer, mtu
  parms.writeUInt8(cellLog, 0);
  parms.writeUInt8(TC_LINKLAYER_ETHERNET, 1);
  parms.writeInt16LE(-1, 4); // cell_align
  parms.writeUInt32LE(rate32, 8);
  parms.writeUInt32LE(limit >>> 0, 24);
  parms.writeUInt32LE(xmittime(t.rate, t.burst), 28);
  const rtab = Buffer.alloc(1024);
  for (let i = 0; i < 256; i++) rtab.writeUInt32LE(xmittime(rate32, (i + 1) << cellLog), i * 4);
  const out = [encodeAttr(TBF.PARMS, parms), u32Attr(TBF.BURST, t.burst)];
  if (t.rate > 0xffffffff) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(t.rate)); out.push(encodeAttr(TBF.RATE64, b)); }
  out.push(encodeAttr(TBF.RTAB, rtab));
  return out;
}

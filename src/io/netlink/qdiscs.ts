// An RTM_GETQDISC dump decoded into what `tc -j -raw qdisc show` prints, for the fields topo reads of it
// (kinds/shape.ts): each qdisc's kind, handle, device, root or parent, and tbf's rate, burst and limit. A qdisc whose
// options topo reads but this file doesn't decode (netem) makes the whole read undefined: the caller runs tc.
import { readFileSync } from 'node:fs';
import { cstr, parseAttrs, type NlMsg } from './codec.js';
import type { Doc } from './links.js';
import type { NetlinkSocket } from './socket.js';

const RTM_NEWQDISC = 36, RTM_GETQDISC = 38;
const TCA_KIND = 1, TCA_OPTIONS = 2;
const TCA_TBF_PARMS = 1, TCA_TBF_RATE64 = 4;
const TC_H_ROOT = 0xffffffff;
/** Kinds whose options kinds/shape.ts reads: decoded here, or (netem) left to tc. */
const OPTIONS_READ = new Set(['tbf', 'netem']);

/** tc's tick unit, from /proc/net/psched as tc_core_init reads it: microseconds per tick. */
export function tickInUsec(psched = readFileSync('/proc/net/psched', 'utf8')): number {
  const [t2us, us2t, clockRes] = psched.trim().split(/\s+/).map((h) => parseInt(h, 16));
  // tc's compatibility rule: with a nanosecond clock the kernel advertises a tick multiplier it doesn't mean.
  return ((clockRes === 1e9 ? us2t : t2us) / us2t) * (clockRes / 1e6);
}

let tick: number | null | undefined;

/** tickInUsec() of this machine, read once; undefined where /proc/net/psched can't be read (tc then does the work). */
export function machineTick(): number | undefined {
  if (tick === undefined) {
    try { tick = tickInUsec(); } catch { tick = null; }
  }
  return tick ?? undefined;
}

/** A handle or parent as tc prints it (sprint_tc_classid): "7a0:", "7a0:1", ":1", "root", "none". */
export function classid(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === 0) return 'none';
  const maj = h >>> 16, min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  return min === 0 ? `${maj.toString(16)}:` : `${maj.toString(16)}:${min.toString(16)}`;
}

/** The documents of `tc -j -raw qdisc show` (see above), or undefined when one needs tc itself. */
export function qdiscDocs(sock: NetlinkSocket, name: (i: number) => string, tick: number): Doc[] | undefined {
  const out: Doc[] = [];
  for (const m of sock.dump(RTM_GETQDISC, Buffer.alloc(20))) {
    if (m.type !== RTM_NEWQDISC) continue;
    const doc = qdiscDoc(m, name, tick);
    if (!doc) return undefined;
    out.push(doc);
  }
  return out;
}

function qdiscDoc(m: NlMsg, name: (i: number) => string, tick: number): Doc | undefined {
  const p = m.payload, a = parseAttrs(p, 20);
  const handle = p.readUInt32LE(8), parent = p.readUInt32LE(12), kind = cstr(a.get(TCA_KIND)) ?? '';
  // tc prints the handle's major number alone (print_qdisc: "%x:").
  const doc: Doc = { kind, handle: `${(handle >>> 16).toString(16)}:`, dev: name(p.readInt32LE(4)) };
  if (parent === TC_H_ROOT) doc.root = true;
  else if (parent) doc.parent = classid(parent);
  if (OPTIONS_READ.has(kind)) {
    if (kind !== 'tbf') return undefined;
    const tbf = tbfOptions(a.get(TCA_OPTIONS), tick);
    if (!tbf) return undefined;
    doc.options = tbf;
  }
  return doc;
}

/**
 * tbf's options as tc prints them with -raw (q_tbf.c): the rate in bytes per second (the 64-bit one when the kernel
 * sent it), the burst computed back from the kernel's buffer in ticks the way tc computes it (tc_calc_xmitsize: whole
 * microseconds, then whole bytes), the limit in bytes.
 */
function tbfOptions(opts: Buffer | undefined, tick: number): Doc | undefined {
  const a = opts && parseAttrs(opts), parms = a?.get(TCA_TBF_PARMS);
  if (!parms || parms.length < 36) return undefined;
  const rate64 = a!.get(TCA_TBF_RATE64);
  const rate = rate64 && rate64.length >= 8 ? Number(rate64.readBigUInt64LE(0)) : parms.readUInt32LE(8);
  const limit = parms.readUInt32LE(24), buffer = parms.readUInt32LE(28);
  const usecs = Math.trunc(buffer / tick);
  return { rate, burst: Math.trunc((rate * usecs) / 1e6), limit };
}

// Other spellings of the same lab: every address-valued field (interface addresses, route to/via, NAT `from` and
// `to`, ping targets) and every MAC rewritten in a random spelling the kernel's tools accept — IPv6 groups with
// leading zeros and mixed case, a different run of zeros (or none) written as "::", the last 32 bits as a dotted
// IPv4 tail; MACs in mixed case. `pick(n)` draws 0..n-1 (fast-check's fc.gen() in the tests).
// Independent of the parser under test (src/core/ip.ts): it reads the kernel-spelled input on its own.
import type { Topology } from '../../src/model.js';

export type Pick = (n: number) => number;

/** A spelling of an IPv6 address given as text; IPv4 addresses have one spelling (no octal, no short forms). */
export function respellAddr(s: string, pick: Pick, opts: { dotted?: boolean } = {}): string {
  const w = s.includes(':') && !s.startsWith('[') ? words(s) : undefined;
  if (!w) return s;
  // The run of zero words written as "::" (at least one word), or none.
  const runs: [number, number][] = [];
  for (let i = 0; i < 8; i++) for (let j = i + 1; j <= 8 && w[j - 1] === 0; j++) runs.push([i, j]);
  const run = pick(runs.length + 1) < runs.length ? runs[pick(runs.length)] : undefined;
  const dotted = opts.dotted !== false && (run === undefined || run[1] <= 6) && pick(3) === 0;
  const word = (x: number) => {
    const hex = x.toString(16).padStart(hex0(x) + pick(5 - hex0(x)), '0');
    return [...hex].map((c) => (pick(2) ? c.toUpperCase() : c)).join('');
  };
  const text = (from: number, to: number) => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) {
      if (dotted && i === 6) { parts.push(`${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`); break; }
      parts.push(word(w[i]));
    }
    return parts.join(':');
  };
  return run ? `${text(0, run[0])}::${text(run[1], 8)}` : text(0, 8);
}

const hex0 = (x: number) => x.toString(16).length;

/** The eight words of a well-formed IPv6 address (the fixtures' kernel spelling); undefined for "addr:port". */
function words(s: string): number[] | undefined {
  const group = (h: string) => (h ? h.split(':') : []).flatMap((p) => {
    if (!p.includes('.')) return [parseInt(p, 16)];
    const o = p.split('.').map(Number);
    return [o[0] * 256 + o[1], o[2] * 256 + o[3]];
  });
  const [head, tail] = s.split('::');
  const h = group(head), t = tail === undefined ? [] : group(tail);
  const w = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return w.length === 8 && w.every((x) => x >= 0 && x <= 0xffff) ? w : undefined;
}

const respellCidr = (s: string, pick: Pick) => {
  const i = s.indexOf('/');
  return i < 0 ? respellAddr(s, pick) : `${respellAddr(s.slice(0, i), pick)}${s.slice(i)}`;
};

const respellMac = (s: string, pick: Pick) => [...s].map((c) => (pick(2) ? c.toUpperCase() : c.toLowerCase())).join('');

/**
 * "[v6]:port" or a bare address ("10.0.1.2:80" is not an IPv6 address: respellAddr leaves it). The schema's pattern
 * for a NAT target has no dotted tail in a bare IPv6 address (it is refused there with line:column).
 */
function respellTarget(s: string, pick: Pick): string {
  const m = /^\[(.*)\]:(\d+)$/.exec(s);
  return m ? `[${respellAddr(m[1], pick)}]:${m[2]}` : respellAddr(s, pick, { dotted: false });
}

/** The same lab with every address and MAC respelled (a deep copy; namespace names as ping targets kept). */
export function respellTopology(t: Topology, pick: Pick): Topology {
  const c = structuredClone(t);
  const link = (l: { addresses?: string[]; mac?: string }) => {
    if (l.addresses) l.addresses = l.addresses.map((a) => respellCidr(a, pick));
    if (l.mac) l.mac = respellMac(l.mac, pick);
  };
  for (const b of Object.values(c.bridges ?? {})) if (b) link(b);
  for (const v of c.veths ?? []) v.ends.forEach(link);
  for (const s of Object.values(c.namespaces ?? {})) {
    for (const r of s?.routes ?? []) {
      if (r.to !== 'default') r.to = respellCidr(r.to, pick);
      if (r.via) r.via = respellAddr(r.via, pick);
    }
    for (const m of s?.nat?.masquerade ?? []) if (m.from) m.from = respellCidr(m.from, pick);
    for (const f of s?.nat?.forward ?? []) f.to = respellTarget(f.to, pick);
  }
  for (const x of c.tests ?? []) if (x.ping !== undefined && !(c.namespaces ?? {})[x.ping]) x.ping = respellAddr(x.ping, pick);
  return c;
}

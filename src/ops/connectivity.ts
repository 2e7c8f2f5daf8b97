// The lab's declared connectivity tests as probes: one ping per (test, target address). Pure: a test whose
// target is a namespace name expands to each address the file declares in that namespace.
import { resolveLab } from '../core/lab-model.js';
import { KINDS } from '../kinds/index.js';
import { HOST, type Topology } from '../model.js';

export type Expect = 'reachable' | 'unreachable';

export interface Probe {
  /** Index of the test in the file's `tests:` list. */
  test: number;
  from: string;
  /** The target as written: an address or a namespace name. */
  target: string;
  address: string;
  expect: Expect;
}

/** Declared addresses (without prefix length) of each namespace, on interfaces of every kind, in file order. */
export function addressesByNamespace(topo: Topology): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of resolveLab(topo, KINDS).ifaces) {
    const list = out.get(f.ns) ?? out.set(f.ns, []).get(f.ns)!;
    for (const a of f.addresses) if (!list.includes(a.text.split('/')[0])) list.push(a.text.split('/')[0]);
  }
  return out;
}

export function probesOf(topo: Topology): Probe[] {
  const addrs = addressesByNamespace(topo);
  const declared = new Set([HOST, ...Object.keys(topo.namespaces ?? {})]);
  return (topo.tests ?? []).flatMap((t, test) => {
    const expect: Expect = t.expect ?? 'reachable';
    const targets = declared.has(t.ping) ? addrs.get(t.ping) ?? [] : [t.ping];
    return targets.map((address) => ({ test, from: t.from, target: t.ping, address, expect }));
  });
}

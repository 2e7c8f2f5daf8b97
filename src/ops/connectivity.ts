// The lab's declared connectivity tests as probes: one ping per (test, target address). Pure: a test whose
// target is a namespace name expands to each address the file declares in that namespace.
import { bridgesOf, HOST, type Topology } from '../model.js';

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

/** Declared addresses (without prefix length) of each namespace, in file order. */
export function addressesByNamespace(topo: Topology): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (ns: string | undefined, cidrs: string[] | undefined) => {
    const list = out.get(ns ?? HOST) ?? out.set(ns ?? HOST, []).get(ns ?? HOST)!;
    for (const c of cidrs ?? []) if (!list.includes(c.split('/')[0])) list.push(c.split('/')[0]);
  };
  for (const b of bridgesOf(topo)) add(b.ns, b.spec.addresses);
  for (const v of topo.veths ?? []) for (const e of v.ends) add(e.namespace, e.addresses);
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

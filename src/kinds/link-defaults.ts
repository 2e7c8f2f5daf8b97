// What the kernel gives an interface topo creates when the file says nothing about a setting. A lab object is held
// to what a fresh apply of the file would create, so these defaults are compared (and repaired) like declared
// values (README, "Defaults are enforced"). Up/down has its default where the kinds read the file (`up: true`);
// a MAC the file doesn't declare is random, which no apply can reproduce, so it is left as it is.
import { ifKey, type DeclaredIface, type LabModel } from '../core/lab-model.js';

/** The MTU of a new veth end (whatever its peer's) and of a new bridge without ports. */
export const DEFAULT_MTU = 1500;
/** The smallest MTU the kernel gives an interface (ETH_MIN_MTU). */
const MIN_MTU = 68;

/**
 * The MTU each bridge of the file has after a fresh apply, by "ns/name": the one declared, else the smallest of its
 * ports' (the kernel follows its ports' MTU until the bridge's own is set), DEFAULT_MTU with no ports. Ports of
 * every kind count (the model's interfaces with a `master`), each with the MTU a fresh apply gives it (ifaceMtu).
 */
export function bridgeMtus(model: LabModel): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of model.masters.values()) out.set(ifKey(b.ns, b.name), ifaceMtu(model, b));
  return out;
}

/**
 * The MTU an interface of the file has after a fresh apply: its own `mtu`; else, for one that sends through a
 * underlay (DeclaredIface.underlay), that one's less the overhead (never below the kernel's minimum); else,
 * for a bridge, its ports' smallest; else DEFAULT_MTU.
 */
export function ifaceMtu(model: LabModel, f: DeclaredIface, seen: DeclaredIface[] = []): number {
  if (f.mtu !== undefined) return f.mtu;
  if (seen.includes(f)) return DEFAULT_MTU; // a loop the checks refuse (a tunnel over its own bridge)
  const inner = [...seen, f];
  const under = f.underlay ? model.byKey.get(ifKey(f.ns, f.underlay.name)) : undefined;
  if (f.underlay) return Math.max(MIN_MTU, (under ? ifaceMtu(model, under, inner) : DEFAULT_MTU) - f.underlay.overhead);
  if (!f.ports) return DEFAULT_MTU;
  const ports = portsOf(model).get(ifKey(f.ns, f.name)) ?? [];
  return ports.reduce((m, p) => Math.min(m, ifaceMtu(model, p, inner)), ports.length ? Infinity : DEFAULT_MTU);
}

/** The ports of each bridge of the model by "ns/name", indexed once per model. */
function portsOf(model: LabModel): Map<string, DeclaredIface[]> {
  let m = portIndex.get(model);
  if (!m) {
    portIndex.set(model, m = new Map());
    for (const f of model.ifaces) {
      if (f.master === undefined) continue;
      const k = ifKey(f.ns, f.master);
      (m.get(k) ?? m.set(k, []).get(k)!).push(f);
    }
  }
  return m;
}
const portIndex = new WeakMap<LabModel, Map<string, DeclaredIface[]>>();

/**
 * `ip link set` arguments that give a bridge its declared MTU for good. The kernel keeps a bridge's MTU only once it
 * was set by a change (a `link add ... mtu` or a set to the current value doesn't count), and otherwise moves it
 * to its ports' smallest as ports come and go; a new bridge has DEFAULT_MTU, so that value takes a step away first.
 */
export function pinBridgeMtu(mtu: number): string[][] {
  return mtu === DEFAULT_MTU ? [['mtu', String(DEFAULT_MTU + 1)], ['mtu', String(mtu)]] : [['mtu', String(mtu)]];
}

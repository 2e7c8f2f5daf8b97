// What the kernel gives an interface topo creates when the file says nothing about a setting. A lab object is held
// to what a fresh apply of the file would create, so these defaults are compared (and repaired) like declared
// values (README, "Defaults are enforced"). Up/down has its default where the kinds read the file (`up: true`);
// a MAC the file doesn't declare is random, which no apply can reproduce, so it is left as it is.
import { bridgesOf, HOST, type Topology } from '../model.js';

/** The MTU of a new veth end (whatever its peer's) and of a new bridge without ports. */
export const DEFAULT_MTU = 1500;

/**
 * The MTU each bridge of the file has after a fresh apply, by "ns/name": the one declared, else the smallest of its
 * ports' (the kernel follows its ports' MTU until the bridge's own is set), DEFAULT_MTU with no ports.
 */
export function bridgeMtus(topo: Topology): Map<string, number> {
  const ports = new Map<string, number>();
  for (const v of topo.veths ?? []) {
    for (const e of v.ends) {
      if (e.bridge === undefined) continue;
      const k = `${e.namespace ?? HOST}/${e.bridge}`;
      ports.set(k, Math.min(ports.get(k) ?? Infinity, e.mtu ?? DEFAULT_MTU));
    }
  }
  const out = new Map<string, number>();
  for (const { ns, name, spec } of bridgesOf(topo)) {
    const k = `${ns}/${name}`;
    out.set(k, spec.mtu ?? ports.get(k) ?? DEFAULT_MTU);
  }
  return out;
}

/**
 * `ip link set` arguments that give a bridge its declared MTU for good. The kernel keeps a bridge's MTU only once it
 * was set by a change (a `link add ... mtu` or a set to the current value doesn't count), and otherwise moves it
 * to its ports' smallest as ports come and go; a new bridge has DEFAULT_MTU, so that value takes a step away first.
 */
export function pinBridgeMtu(mtu: number): string[][] {
  return mtu === DEFAULT_MTU ? [['mtu', String(DEFAULT_MTU + 1)], ['mtu', String(mtu)]] : [['mtu', String(mtu)]];
}

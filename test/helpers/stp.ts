// STP makes a bridge's new ports wait (listening, learning) for 2 x forward_delay before they forward, and the
// bridge has no carrier until one does: tests that ping through such a bridge, or compare the kernel's state, wait
// for it first, read back with `bridge -json link show` and `ip -json`.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Sandbox } from './sandbox.js';

/** Waits (bounded: 60 x 0.5 s) until every port of the bridge forwards: with STP on, 2 x forward_delay after it came up. */
export async function forwarding(s: Sandbox, ns: string, bridge: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const argv = ['bridge', '-json', 'link', 'show'];
    const ports = JSON.parse((await s.run(ns === 'host' ? argv : ['ip', 'netns', 'exec', ns, ...argv])).stdout || '[]') as { master?: string; state: string }[];
    const mine = ports.filter((p) => p.master === bridge);
    if (mine.length && mine.every((p) => p.state === 'forwarding')) return;
    await s.run(['sleep', '0.5']);
  }
  throw new Error(`the ports of ${bridge} in ${ns} never all forwarded`);
}

/**
 * Waits until the bridge forwards and the kernel is done with its carrier coming up: the IPv6 routes it then adds
 * for the bridge (fe80::/64, ff00::/8) are there (bounded: 60 x 0.2 s).
 */
export async function settled(s: Sandbox, ns: string, bridge: string): Promise<void> {
  await forwarding(s, ns, bridge);
  for (let i = 0; i < 60; i++) {
    const routes = await s.ipJson<{ dst: string }[]>(ns, '-6', 'route', 'show', 'table', 'all', 'dev', bridge);
    if (routes.some((r) => r.dst === 'fe80::/64') && routes.some((r) => r.dst === 'ff00::/8')) return;
    await s.run(['sleep', '0.2']);
  }
  throw new Error(`${bridge} in ${ns} never got its IPv6 routes`);
}

/** The bridges of a lab file that run STP, as [namespace, name]. */
export function stpBridges(file: string): [string, string][] {
  const t = parse(readFileSync(file, 'utf8'));
  const out: [string, string][] = [];
  for (const [name, b] of Object.entries<any>(t.bridges ?? {})) if (b?.stp) out.push([b.namespace ?? 'host', name]);
  for (const [ns, spec] of Object.entries<any>(t.namespaces ?? {})) {
    for (const [name, b] of Object.entries<any>(spec?.bridges ?? {})) if (b?.stp) out.push([ns, name]);
  }
  return out;
}

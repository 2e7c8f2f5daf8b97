// STP makes a bridge's new ports wait (listening, learning) for 2 x forward_delay before they forward: tests that
// ping through such a bridge wait for the ports' state first, read back with `bridge -json link show`.
import type { Sandbox } from './sandbox.js';

/** Waits (bounded: 60 x 0.5 s) until every port of the bridge forwards: with STP on, 2 x forward_delay after it came up. */
export async function forwarding(s: Sandbox, ns: string, bridge: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const ports = JSON.parse((await s.run(['ip', 'netns', 'exec', ns, 'bridge', '-json', 'link', 'show'])).stdout || '[]') as { master?: string; state: string }[];
    const mine = ports.filter((p) => p.master === bridge);
    if (mine.length && mine.every((p) => p.state === 'forwarding')) return;
    await s.run(['sleep', '0.5']);
  }
  throw new Error(`the ports of ${bridge} in ${ns} never all forwarded`);
}

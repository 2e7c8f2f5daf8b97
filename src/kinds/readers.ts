// Extra per-namespace readers that kinds need beyond `ip -json` (e.g. nftables). Empty until a kind adds one.
import type { KindContext } from '../core/kind.js';
import type { NsLive } from '../core/live.js';
import type { Topology } from '../model.js';
import type { Runner } from '../io/runner.js';

export type ExtraReader = (ns: string, run: Runner) => Promise<Partial<NsLive>>;

export function EXTRA_READERS(_topo: Topology | undefined, _ctx: KindContext): ExtraReader[] {
  return [];
}

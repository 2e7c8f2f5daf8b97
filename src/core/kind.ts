// The contract every resource kind implements. A kind knows how to find itself in the topology file and in the
// live kernel snapshot, how to compare the two, and the commands that create, change and remove it.
// A new kind = one file in src/kinds, one line in src/kinds/index.ts, one schema definition, one fixture.
import type { Change, Cmd, LabIdentity, Resource, Topology } from '../model.js';
import type { LiveSnapshot, ToolRead } from './live.js';
import type { StateRecord } from './state.js';

export interface KindContext {
  lab: LabIdentity;
  /** What earlier applies recorded (objects the kernel can't mark, previous sysctl values). */
  state: StateRecord;
}

export type FieldDiff = [field: string, live: unknown, desired: unknown];

export interface Kind {
  name: string;
  /** Position in the global order; see core/order.ts for the stages these numbers fall into. */
  phase: { create: number; update: number; delete: number };
  desired(topo: Topology, ctx: KindContext): Resource[];
  /** What the kind needs read beyond `ip -json` (run by io/read-live.ts; results in NsLive.reads). */
  reads?(topo: Topology | undefined, ctx: KindContext): ToolRead[];
  /** Owned objects (owned: true) and, where they matter for name conflicts, unowned ones (owned: false). */
  live(snap: LiveSnapshot, ctx: KindContext): Resource[];
  /**
   * Does the kernel drop this live object as a side effect of these deletions (e.g. the IPv4 routes through an
   * interface go when its last IPv4 address does)? Then, if still desired, it is created again after them.
   * (Objects whose parent is deleted are handled generically through `parents`.)
   */
  droppedWith?(live: Resource, deletes: Change[], allLive: Resource[]): boolean;
  /** Differences that need an update; the default compares declared props only. */
  compare?(desired: Resource, live: Resource): FieldDiff[];
  create(r: Resource, ctx: KindContext): Cmd[];
  update(desired: Resource, live: Resource, fields: FieldDiff[], ctx: KindContext): Cmd[];
  remove(live: Resource, ctx: KindContext): Cmd[];
}

/** Compare the props the desired side declares (undefined = "don't care"). */
export function compareDeclared(desired: Resource, live: Resource): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const [k, v] of Object.entries(desired.props)) {
    if (v === undefined) continue;
    const l = (live.props as Record<string, unknown>)[k];
    if (l === v) continue;
    if (typeof v !== 'object' || v === null || JSON.stringify(l) !== JSON.stringify(v)) out.push([k, l, v]);
  }
  return out;
}

// Pure assembly of the pipeline: desired + live resources → diff → ordered plan. Also the state record an
// apply writes before it runs (what it is about to create) and after it succeeds (what the lab now owns).
import { foreignInside, type ForeignInside } from '../kinds/foreign-link.js';
import { KINDS } from '../kinds/index.js';
import { HOST, type Cmd, type Plan, type Resource, type Step, type Topology } from '../model.js';
import type { Conflict } from './diff.js';
import { diff } from './diff.js';
import type { KindContext } from './kind.js';
import type { LiveSnapshot } from './live.js';
import { groupLinkDeletes } from './group-delete.js';
import { order } from './order.js';
import { emptyState, mergeState, type StateRecord } from './state.js';

export interface Planned {
  desired: Resource[]; live: Resource[]; plan: Plan; conflicts: Conflict[];
  /** Interfaces the lab doesn't own in namespaces the plan deletes: the plan must not run (see foreignInside). */
  inside: ForeignInside[];
}

export function desiredOf(topo: Topology | undefined, ctx: KindContext): Resource[] {
  return topo ? KINDS.flatMap((k) => k.desired(topo, ctx)) : [];
}

/**
 * `desired`: desiredOf(topo, ctx) when the caller has it already (it depends only on the file and ctx.lab, so a
 * verification re-uses the apply's).
 */
export function planFrom(topo: Topology | undefined, snap: LiveSnapshot, ctx: KindContext, desired = desiredOf(topo, ctx)): Planned {
  const live = KINDS.flatMap((k) => k.live(snap, ctx));
  const { changes, conflicts } = diff(desired, live, KINDS);
  const plan = groupLinkDeletes(order(ctx.lab.name, changes, KINDS, ctx), snap, ctx);
  return { desired, live, plan, conflicts, inside: foreignInside(plan, snap, ctx) };
}

/** What to read from the kernel for this lab: its namespaces (declared and recorded) and sysctls. */
export function readScope(topo: Topology | undefined, state: StateRecord) {
  const namespaces = [...new Set([...Object.keys(topo?.namespaces ?? {}), ...state.namespaces])].filter((n) => n !== HOST);
  const sysctls: Record<string, string[]> = {};
  const add = (ns: string, k: string) => { (sysctls[ns] ??= []).includes(k) || sysctls[ns].push(k); };
  for (const [ns, spec] of Object.entries(topo?.namespaces ?? {})) for (const k of Object.keys(spec?.sysctls ?? {})) add(ns, k);
  for (const nk of Object.keys(state.sysctls)) { const [ns, k] = nk.split('|'); add(ns, k); }
  return { namespaces, sysctls };
}

/** The record written before running a plan: everything it may create, so a crash leaves nothing unowned. */
export function intentState(state: StateRecord, plan: Plan): StateRecord {
  return withCreations(state, plan.steps.filter((s) => s.op === 'create'), plan.steps);
}

/**
 * The record of what this apply's commands did create: the kernel said so (the creating command of the step, its
 * first, ran), not the plan. Someone else's object that took the name first (`netns add`, `link add`, `route add`
 * said "File exists") is not in it, so the rollback never takes it for the lab's. `ids`: the identities of the
 * namespaces it created.
 */
export function madeState(state: StateRecord, ran: { step: Step; cmd: Cmd }[], ids: Record<string, string> = {}): StateRecord {
  const made = new Set(ran.filter((it) => it.cmd === it.step.cmds[0]).map((it) => it.step));
  const steps = [...made];
  return { ...withCreations(state, steps.filter((s) => s.op === 'create'), steps), namespaceIds: { ...state.namespaceIds, ...ids } };
}

/** Namespaces whose `netns add` ran among these commands. */
export function namespacesMade(ran: { step: Step; cmd: Cmd }[]): string[] {
  return madeState(emptyState(''), ran).namespaces;
}

/** The record plus creations (`creates`) and the previous values of the sysctls that `steps` change. */
function withCreations(state: StateRecord, creates: Step[], steps: Step[]): StateRecord {
  const made = creates.map((s) => s.desired!);
  const sysctls: Record<string, string> = {};
  for (const s of steps) {
    if (s.kind === 'sysctl' && s.op === 'update') sysctls[`${s.ns}|${s.label}`] = (s.live!.props as { value: string }).value;
  }
  return mergeState(state, {
    namespaces: made.filter((r) => r.kind === 'namespace').map((r) => r.ns),
    links: made.flatMap((r) => r.claims.filter((c) => c.startsWith('link:')).map((c) => c.slice(5))),
    hostRoutes: made.filter((r) => r.kind === 'route' && r.ns === HOST).map((r) => r.key),
    sysctls,
    nat: made.filter((r) => r.kind === 'nat').map((r) => r.ns),
  });
}

/** The record after a successful apply: what the desired state owns, and the previous values still to restore. */
export function finalState(intent: StateRecord, desired: Resource[]): StateRecord {
  const keep = new Set(desired.filter((r) => r.kind === 'sysctl').map((r) => `${r.ns}|${r.label}`));
  const namespaces = desired.filter((r) => r.kind === 'namespace').map((r) => r.ns).sort();
  return {
    lab: intent.lab,
    namespaces,
    namespaceIds: Object.fromEntries(namespaces.filter((n) => intent.namespaceIds[n] !== undefined).map((n) => [n, intent.namespaceIds[n]])),
    links: desired.flatMap((r) => r.kind === 'veth' || r.kind === 'bridge' ? r.claims.map((c) => c.slice(5)) : []).sort(),
    hostRoutes: desired.filter((r) => r.kind === 'route' && r.ns === HOST).map((r) => r.key).sort(),
    sysctls: Object.fromEntries(Object.entries(intent.sysctls).filter(([k]) => keep.has(k))),
    nat: desired.filter((r) => r.kind === 'nat').map((r) => r.ns).sort(),
  };
}

/** What a `plan --format sh` script records, as apply does: before its first command and after its last. */
export interface ScriptRecords {
  intent: StateRecord;
  final: StateRecord;
  /** Sysctls whose previous value the record keeps and the script reads when it runs ("ns|name" keys). */
  readAtRun: { key: string; ns: string; name: string }[];
}

export function scriptRecords(state: StateRecord, plan: Plan, desired: Resource[]): ScriptRecords {
  const intent = intentState(state, plan);
  const readAtRun = Object.keys(intent.sysctls).filter((k) => !(k in state.sysctls)).map((key) => {
    const [ns, name] = key.split('|');
    return { key, ns, name };
  });
  return { intent, final: finalState(intent, desired), readAtRun };
}

// Pure assembly of the pipeline: desired + live resources → diff → ordered plan. Also the state record an
// apply writes before it runs (what it is about to create) and after it succeeds (what the lab now owns).
// Generic over the kinds it is given (pipelineOf): src/kinds/index.ts binds it to the registry.
import { HOST, type Cmd, type Plan, type Resource, type Step, type Topology } from '../model.js';
import type { Conflict } from './diff.js';
import { diff } from './diff.js';
import type { Blocker, Kind, KindContext } from './kind.js';
import { resolveLab } from './lab-model.js';
import type { LiveSnapshot } from './live.js';
import { groupLinkDeletes } from './group-delete.js';
import { order } from './order.js';
import { emptyState, mergeState, type StateRecord } from './state.js';
import { namespacesDeleted } from './claims.js';

export interface Planned {
  desired: Resource[]; live: Resource[]; plan: Plan; conflicts: Conflict[];
  /** What the lab doesn't own in namespaces the plan deletes: the plan must not run (see Kind.blockers). */
  inside: Blocker[];
}

/** What a `plan --format sh` script records, as apply does: before its first command and after its last. */
export interface ScriptRecords {
  intent: StateRecord;
  final: StateRecord;
  /** Sysctls whose previous value the record keeps and the script reads when it runs ("ns|name" keys). */
  readAtRun: { key: string; ns: string; name: string }[];
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

/** The pipeline's pure functions over a list of kinds. */
export function pipelineOf(kinds: Kind[]) {
  const byName = new Map(kinds.map((k) => [k.name, k]));

  function desiredOf(topo: Topology | undefined, ctx: KindContext): Resource[] {
    if (!topo) return [];
    const model = resolveLab(topo, kinds);
    return kinds.flatMap((k) => k.desired(model, ctx));
  }

  /**
   * `desired`: desiredOf(topo, ctx) when the caller has it already (it depends only on the file and ctx.lab, so a
   * verification re-uses the apply's).
   */
  function planFrom(topo: Topology | undefined, snap: LiveSnapshot, ctx: KindContext, desired = desiredOf(topo, ctx)): Planned {
    const live = kinds.flatMap((k) => k.live(snap, ctx));
    const { changes, conflicts } = diff(desired, live, kinds);
    const plan = groupLinkDeletes(order(ctx.lab.name, changes, kinds, ctx), snap, ctx);
    const deleted = namespacesDeleted(plan.steps);
    const inside = deleted.length ? kinds.flatMap((k) => k.blockers?.(deleted, snap, ctx) ?? []) : [];
    return { desired, live, plan, conflicts, inside };
  }

  /** What the kinds record for these changes (before they run, or once they ran). */
  function withChanges(state: StateRecord, steps: Step[]): StateRecord {
    return mergeState(state, ...steps.flatMap((c) => byName.get(c.kind)?.record?.intent(c) ?? []));
  }

  /** The record written before running a plan: everything it may create, so a crash leaves nothing unowned. */
  function intentState(state: StateRecord, plan: Plan): StateRecord {
    return withChanges(state, plan.steps);
  }

  /**
   * The record of what this apply's commands did create: the kernel said so (the creating command of the step, its
   * first, ran), not the plan. Someone else's object that took the name first (`netns add`, `link add`, `route add`
   * said "File exists") is not in it, so the rollback never takes it for the lab's. `ids`: the identities of the
   * namespaces it created.
   */
  function madeState(state: StateRecord, ran: { step: Step; cmd: Cmd }[], ids: Record<string, string> = {}): StateRecord {
    const made = [...new Set(ran.filter((it) => it.cmd === it.step.cmds[0]).map((it) => it.step))];
    return { ...withChanges(state, made), namespaceIds: { ...state.namespaceIds, ...ids } };
  }

  /** Namespaces whose `netns add` ran among these commands. */
  function namespacesMade(ran: { step: Step; cmd: Cmd }[]): string[] {
    return madeState(emptyState(''), ran).namespaces;
  }

  /** The record after a successful apply: what the desired state owns, and the previous values still to restore. */
  function finalState(intent: StateRecord, desired: Resource[]): StateRecord {
    const file = intent.file === undefined ? {} : { file: intent.file }; // the file it was applied from stays named
    return mergeState({ ...emptyState(intent.lab), ...file }, ...desired.flatMap((r) => byName.get(r.kind)?.record?.keep(r, intent) ?? []));
  }

  function scriptRecords(state: StateRecord, plan: Plan, desired: Resource[]): ScriptRecords {
    const intent = intentState(state, plan);
    const readAtRun = Object.keys(intent.sysctls).filter((k) => !(k in state.sysctls)).map((key) => {
      const [ns, name] = key.split('|');
      return { key, ns, name };
    });
    return { intent, final: finalState(intent, desired), readAtRun };
  }

  /** Namespaces whose nsids some kind needs read (see Kind.nsidsNeeded), each once. */
  function nsidsNeeded(snap: LiveSnapshot, ctx: KindContext): string[] {
    return [...new Set(kinds.flatMap((k) => k.nsidsNeeded?.(snap, ctx) ?? []))];
  }

  return { desiredOf, planFrom, intentState, madeState, namespacesMade, finalState, scriptRecords, nsidsNeeded };
}

// Pure: changes in, an ordered plan out. Each kind names, per operation, its stage and the operations it comes
// after (Kind.order, see core/kind.ts). The stages run one after the other:
//   stop        host: processes the lab started stopped (removed from the file, changed, or their namespace going),
//               before anything they use changes
//   namespaces  host: `netns add`
//   unstack     per namespace, in parallel: interfaces stacked on another one (a macvlan on its parent) deleted,
//               before the interfaces they sit on, which take them along (deleted in parallel in another
//               namespace, the lower one would race the deletion of the upper one)
//   unlink      per namespace, in parallel: interfaces deleted (a stage of its own: deleting one end of a
//               veth pair frees the peer's name in another namespace, which a creation there may reuse)
//   links       per namespace, in parallel: interfaces created (peers land in their namespace)
//   stacked     per namespace, in parallel: interfaces created on another one, which must exist: once every
//               namespace's links are made (another namespace's batch creates a veth end in this one)
//   config      per namespace, in parallel: what is configured on the interfaces (their settings, addresses, routes...)
//   bridges     the config stage of the namespaces where a bridge is created, after every other namespace's:
//               a new bridge is created down and brought up here (its Cmd says so), so the frames that its
//               ports' namespaces send while they come up (IPv6 DAD, router solicitations, MLD reports) are
//               dropped at the port instead of flooded to every other port, which in a large star is most of
//               the kernel's work; the namespace's routes, which may need the bridge up, come after it
//   run         host: processes started, once the network they use is in place (one after the other, in the
//               order their `after:` says)
//   cleanup     host: `netns del` (takes each namespace's interfaces, addresses and routes along)
// A deletion whose parent (its namespace, its interface) is deleted too is subsumed: no command of its own,
// unless a creation in this plan needs its name back right away.
import { STAGES, type Change, type Cmd, type Op, type Plan, type StageName, type Step } from '../model.js';
import type { Group, Kind, KindContext, Slot } from './kind.js';

/**
 * The rank of every operation of these kinds: its stage first, then how many operations of that stage it comes
 * after (longest chain of `after`), so that operations with nothing between them share a rank and keep their order.
 * Throws on a name that is no kind's, on an `after` in another stage and on a cycle: a mistake in a kind file.
 */
export function ranks(kinds: Kind[]): Map<string, number> {
  const cached = rankCache.get(kinds);
  if (cached) return cached;
  const ops: Op[] = ['create', 'update', 'delete'];
  const slot = new Map<string, Slot>();
  for (const k of kinds) for (const op of ops) slot.set(`${k.name}:${op}`, k.order[op]);
  const deps = (id: string) => (slot.get(id)!.after ?? []).flatMap((a) => {
    if (a.startsWith('@')) {
      const members = [...slot].filter(([, s]) => s.groups?.includes(a.slice(1) as Group)).map(([m]) => m);
      if (!members.length) throw new Error(`${id} is ordered after ${a}, a group no kind's operation belongs to`);
      return members;
    }
    const [kind, op] = a.split(':');
    const targets = op ? [a] : [`${kind}:${id.split(':')[1]}`];
    for (const t of targets) if (!slot.has(t)) throw new Error(`${id} is ordered after ${a}, which is no kind's operation`);
    return targets;
  });
  const depth = new Map<string, number>();
  const visit = (id: string, seen: string[]): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.includes(id)) throw new Error(`ordering cycle: ${[...seen, id].join(' after ')}`);
    let d = 0;
    for (const t of deps(id)) {
      if (slot.get(t)!.stage !== slot.get(id)!.stage) throw new Error(`${id} (${slot.get(id)!.stage}) can't be ordered after ${t} (${slot.get(t)!.stage}): another stage`);
      d = Math.max(d, visit(t, [...seen, id]) + 1);
    }
    depth.set(id, d);
    return d;
  };
  const out = new Map<string, number>();
  for (const id of slot.keys()) out.set(id, STAGES.indexOf(slot.get(id)!.stage) * 1000 + visit(id, []));
  rankCache.set(kinds, out);
  return out;
}

const rankCache = new WeakMap<Kind[], Map<string, number>>();

/** The stage of a rank (see ranks). */
export const stageOfRank = (rank: number): StageName => STAGES[Math.floor(rank / 1000)];

/** The stage a command runs in: its step's, unless the command names another (a new bridge's `up`). */
export function runsIn(step: Step, cmd: Cmd): StageName {
  return cmd.stage ?? step.stage;
}

export function order(lab: string, changes: Change[], kinds: Kind[], ctx: KindContext): Plan {
  const kind = new Map(kinds.map((k) => [k.name, k]));
  const rankOf = ranks(kinds);
  // By kind, then operation: no "kind:op" string made and hashed per change (35,000 of them in a lab of 5,000).
  const byKind = new Map(kinds.map((k) => [k.name, { create: rankOf.get(`${k.name}:create`)!, update: rankOf.get(`${k.name}:update`)!, delete: rankOf.get(`${k.name}:delete`)! }]));
  const rank = (c: Change) => byKind.get(c.kind)![c.op];

  // Subsumption: a deletion whose parent (namespace, interface) is deleted too goes with it.
  const deletes = changes.filter((c) => c.op === 'delete');
  const createdClaims = new Set(changes.filter((c) => c.op === 'create').flatMap((c) => c.desired!.claims));
  const gone = new Set(deletes.flatMap((c) => c.live!.claims));
  const subsumed: Change[] = [];
  const kept: Change[] = changes.filter((c) => c.op !== 'delete');
  for (const c of deletes) {
    const l = c.live!;
    if (l.parents.some((p) => gone.has(p) && !l.claims.includes(p)) && !l.claims.some((x) => createdClaims.has(x))) subsumed.push(c);
    else kept.push(c);
  }

  const steps: Step[] = kept.map((c) => {
    const k = kind.get(c.kind)!;
    const cmds = c.op === 'create' ? k.create(c.desired!, ctx)
      : c.op === 'update' ? k.update(c.desired!, c.live!, c.fields ?? [], ctx)
        : k.remove(c.live!, ctx);
    const r = rank(c);
    return { op: c.op, kind: c.kind, key: c.key, ns: c.ns, label: c.label, desired: c.desired, live: c.live, fields: c.fields, rank: r, stage: stageOfRank(r), cmds };
  });
  // A namespace that brings up a new bridge configures in the bridges stage (see above).
  const late = new Set(steps.filter((s) => s.cmds.some((c) => c.stage === 'bridges')).map((s) => s.ns));
  for (const s of steps) if (s.stage === 'config' && late.has(s.ns)) s.stage = 'bridges';
  // Stable: the same rank keeps the order of the registry and of the file.
  steps.sort((a, b) => a.rank - b.rank);
  return { lab, steps, subsumed };
}

/** True when applying the plan would change nothing in the kernel. */
export function isEmpty(plan: Plan): boolean {
  return plan.steps.every((s) => s.cmds.length === 0);
}

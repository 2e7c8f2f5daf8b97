// Pure: changes in, an ordered plan out. Each kind gives a phase number per operation; phases fall into five
// stages that run one after the other:
//   namespaces (<200)  host: `netns add`
//   unlink    (<220)  per namespace, in parallel: interfaces deleted (a stage of its own: deleting one end of a
//                     veth pair frees the peer's name in another namespace, which a creation there may reuse)
//   links     (<300)  per namespace, in parallel: interfaces created (peers land in their namespace)
//   config    (<900)  per namespace, in parallel: routes/addresses removed, then lo, ports, addresses, routes, sysctls, NAT
//   bridges           the config stage of the namespaces where a bridge is created, after every other namespace's:
//                     a new bridge is created down and brought up here (its Cmd says so), so the frames that its
//                     ports' namespaces send while they come up (IPv6 DAD, router solicitations, MLD reports) are
//                     dropped at the port instead of flooded to every other port, which in a large star is most of
//                     the kernel's work; the namespace's routes, which may need the bridge up, come after it
//   cleanup   (>=900) host: `netns del` (takes each namespace's interfaces, addresses and routes along)
// A deletion whose parent (its namespace, its interface) is deleted too is subsumed: no command of its own,
// unless a creation in this plan needs its name back right away.
import type { Change, Cmd, Plan, StageName, Step } from '../model.js';
import type { Kind, KindContext } from './kind.js';

export function stageOf(phase: number): StageName {
  if (phase < 200) return 'namespaces';
  if (phase < 220) return 'unlink';
  if (phase < 300) return 'links';
  if (phase < 900) return 'config';
  return 'cleanup';
}

/** The stage a command runs in: its step's, unless the command names another (a new bridge's `up`). */
export function runsIn(step: Step, cmd: Cmd): StageName {
  return cmd.stage ?? step.stage;
}

export function order(lab: string, changes: Change[], kinds: Kind[], ctx: KindContext): Plan {
  const kind = new Map(kinds.map((k) => [k.name, k]));
  const phase = (c: Change) => kind.get(c.kind)!.phase[c.op];

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
    return { ...c, phase: phase(c), stage: stageOf(phase(c)), cmds };
  });
  // A namespace that brings up a new bridge configures in the bridges stage (see above).
  const late = new Set(steps.filter((s) => s.cmds.some((c) => c.stage === 'bridges')).map((s) => s.ns));
  for (const s of steps) if (s.stage === 'config' && late.has(s.ns)) s.stage = 'bridges';
  // Stable: same phase keeps the order of the registry and of the file.
  steps.sort((a, b) => a.phase - b.phase);
  return { lab, steps, subsumed };
}

/** True when applying the plan would change nothing in the kernel. */
export function isEmpty(plan: Plan): boolean {
  return plan.steps.every((s) => s.cmds.length === 0);
}

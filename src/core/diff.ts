// Pure: desired and live resources in, changes out. Unowned live objects are never changed or deleted; a
// desired object whose kernel name is held by an unowned one is a conflict.
import type { Change, Resource } from '../model.js';
import type { FieldDiff, Kind } from './kind.js';
import { compareDeclared } from './kind.js';

export interface Conflict {
  key: string; label: string; ns: string; holder: string; path?: string;
  /** The declared object's claims and parents: a conflict inside another one's claim is its consequence. */
  claims: string[]; parents: string[];
  /** The holder's claims and namespace: where the marks of whoever owns it are. */
  holderClaims: string[]; holderNs: string;
}
export interface DiffResult { changes: Change[]; conflicts: Conflict[] }

export function diff(desired: Resource[], live: Resource[], kinds: Kind[]): DiffResult {
  const kind = new Map(kinds.map((k) => [k.name, k]));
  const liveByKey = new Map(live.map((r) => [r.key, r]));
  const unownedClaims = new Map<string, Resource>();
  for (const r of live) if (!r.owned) for (const c of r.claims) unownedClaims.set(c, r);

  const wanted = new Set(desired.map((d) => d.key));
  const deletes = live.filter((l) => l.owned && !wanted.has(l.key)).map((l) => change('delete', undefined, l));
  // A live object the plan takes away without deleting it itself (its namespace or interface is deleted or
  // re-created, or the kernel drops it as a side effect) must be created again if it is still desired.
  const gone = new Set(deletes.flatMap((c) => c.live!.claims));
  const takenAway = (l: Resource) => l.parents.some((p) => gone.has(p) && !l.claims.includes(p))
    || Boolean(kind.get(l.kind)!.droppedWith?.(l, deletes, live));

  const changes: Change[] = [];
  const conflicts: Conflict[] = [];
  for (const d of desired) {
    const l = liveByKey.get(d.key);
    const mine = l && (l.owned || l.adoptable);
    const holder = l && !mine ? l : d.claims.map((c) => unownedClaims.get(c)).find((h) => h !== l);
    if (holder && !mine) {
      const named = kind.get(holder.kind)?.holder?.(holder) ?? `${holder.kind} ${holder.label} in ${holder.ns}`;
      conflicts.push({ key: d.key, label: d.label, ns: d.ns, holder: named, path: d.path,
        claims: d.claims, parents: d.parents, holderClaims: holder.claims, holderNs: holder.ns });
      continue;
    }
    if (!l || takenAway(l)) {
      changes.push(change('create', d, undefined));
      continue;
    }
    const fields: FieldDiff[] = (kind.get(d.kind)!.compare ?? compareDeclared)(d, l);
    if (fields.length) changes.push({ ...change('update', d, l), fields });
  }
  changes.push(...deletes);
  return { changes, conflicts };
}

function change(op: Change['op'], d: Resource | undefined, l: Resource | undefined): Change {
  const r = (d ?? l)!;
  return { op, kind: r.kind, key: r.key, ns: r.ns, label: r.label, desired: d, live: l };
}

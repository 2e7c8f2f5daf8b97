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
  // re-created, or the kernel drops it as a side effect of a deletion or a change) must be created again if it
  // is still desired.
  const gone = new Set(deletes.flatMap((c) => c.live!.claims));
  const parentGone = (l: Resource) => l.parents.some((p) => gone.has(p) && !l.claims.includes(p));

  const conflicts: Conflict[] = [];
  // First what each declared object needs by itself: a conflict, a creation, or the fields to update.
  const needs: { d: Resource; l?: Resource; fields?: FieldDiff[] }[] = [];
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
    if (!l || parentGone(l)) needs.push({ d });
    else needs.push({ d, l, fields: (kind.get(d.kind)!.compare ?? compareDeclared)(d, l) });
  }
  // Then the side effects: the updates are known, so a kind can tell that one of them drops its object (an
  // interface taken down or given another MAC loses its static neighbours).
  const updates = needs.filter((n) => n.fields?.length).map((n) => ({ ...change('update', n.d, n.l), fields: n.fields }));
  const changes: Change[] = [];
  for (const { d, l, fields } of needs) {
    if (!l || kind.get(l.kind)!.droppedWith?.(l, deletes, live, updates)) changes.push(change('create', d, undefined));
    else if (fields!.length) changes.push({ ...change('update', d, l), fields });
  }
  changes.push(...deletes);
  return { changes, conflicts };
}

function change(op: Change['op'], d: Resource | undefined, l: Resource | undefined): Change {
  const r = (d ?? l)!;
  return { op, kind: r.kind, key: r.key, ns: r.ns, label: r.label, desired: d, live: l };
}

// A declared object whose name is held by something the lab does not own: refuse, naming it.
import type { Conflict } from '../core/diff.js';
import type { ForeignInside } from '../kinds/foreign-link.js';
import { TopoError } from '../errors.js';

export function conflictError(lab: string, conflicts: Conflict[]): TopoError {
  const lines = conflicts.map((c) => `${c.label} in ${c.ns}: ${c.holder} already exists and is not owned by lab "${lab}"`);
  return new TopoError('E_NOT_OWNED', `refusing to touch objects this lab does not own:\n  ${lines.join('\n  ')}`, 1, {
    conflicts,
    hint: 'rename the object in the file, or remove the existing one yourself if it is really not needed',
  });
}

/** Namespaces to delete hold interfaces the lab does not own: refuse, naming each one. */
export function foreignInsideError(lab: string, inside: ForeignInside[]): TopoError {
  const lines = inside.map((f) => `interface ${f.ifname} (${f.kind}) in ${f.ns} is not owned by lab "${lab}"`);
  return new TopoError('E_NOT_OWNED', `refusing to delete namespaces that hold interfaces the lab does not own (deleting a namespace deletes`
    + ` everything in it, and a veth's peer wherever it is):\n  ${lines.join('\n  ')}`, 1, {
    inside,
    hint: 'move them out (ip -n NS link set DEV netns NAME) or delete them yourself, then run this again',
  });
}

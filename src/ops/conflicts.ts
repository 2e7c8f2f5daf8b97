// A declared object whose name is held by something the lab does not own: refuse, naming it.
import type { Conflict } from '../core/diff.js';
import { TopoError } from '../errors.js';

export function conflictError(lab: string, conflicts: Conflict[]): TopoError {
  const lines = conflicts.map((c) => `${c.label} in ${c.ns}: ${c.holder} already exists and is not owned by lab "${lab}"`);
  return new TopoError('E_NOT_OWNED', `refusing to touch objects this lab does not own:\n  ${lines.join('\n  ')}`, 1, {
    conflicts,
    hint: 'rename the object in the file, or remove the existing one yourself if it is really not needed',
  });
}

// The file a lab was applied from, kept in its state record (StateRecord.file) for `topo ls` to compare the lab
// with. A hint only: written after an apply, under the lab's lock; a record that can't be written loses the hint,
// never the apply.
import { resolve } from 'node:path';
import { isEmptyState } from '../core/state.js';
import { StateError } from '../errors.js';
import { readState, writeState } from './state-file.js';

/** Name `file` in the lab's record (when it has one and names another). False when the record could not be written. */
export async function recordLabFile(lab: string, file: string): Promise<boolean> {
  try {
    const s = await readState(lab);
    const path = resolve(file);
    if (isEmptyState(s) || s.file === path) return true;
    await writeState({ ...s, file: path });
    return true;
  } catch (e) {
    if (e instanceof StateError) return false;
    throw e;
  }
}

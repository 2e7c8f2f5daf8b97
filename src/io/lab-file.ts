// The file a lab was applied from, kept in its state record (StateRecord.file) for `topo ls` to compare the lab
// with, and for the fan-out's rollback (src/remote/) to re-apply what a host had before. A lab applied from
// standard input (`topo apply - --host X`, how the fan-out hands a host its file) has no file of its own: the text
// is kept in the state directory (files/LAB.SHA.yaml, 0600) and the record names that copy. A hint only: written
// after an apply, under the lab's lock; a record that can't be written loses the hint, never the apply.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isEmptyState } from '../core/state.js';
import { StateError } from '../errors.js';
import { stateDir } from './state-dir.js';
import { readState, writeState } from './state-file.js';

/** The state directory's folder of copies of files applied from standard input. */
const COPIES = 'files';

/**
 * Name `file` in the lab's record (when it has one and names another); `text`: the file's text read from standard
 * input, kept as a copy that the record names instead. False when the record could not be written.
 */
export async function recordLabFile(lab: string, file: string, text?: Uint8Array): Promise<boolean> {
  try {
    const s = await readState(lab);
    if (isEmptyState(s)) return true;
    const path = text === undefined ? resolve(file) : keepCopy(lab, text, s.file);
    if (s.file === path) return true;
    await writeState({ ...s, file: path });
    return true;
  } catch (e) {
    if (e instanceof StateError) return false;
    throw e;
  }
}

/**
 * The text saved as files/LAB.SHA.yaml (named by its content: the same text is the same copy). The lab's other
 * copies are removed, but for `previous` (the record's file until now: what a fan-out's rollback re-applies).
 */
function keepCopy(lab: string, text: Uint8Array, previous: string | undefined): string {
  const dir = join(stateDir(true), COPIES);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${lab}.${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`);
    writeFileSync(path, text, { mode: 0o600 });
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (f.startsWith(`${lab}.`) && f.endsWith('.yaml') && /^[0-9a-f]{16}$/.test(f.slice(lab.length + 1, -5)) && p !== path && p !== previous) unlinkSync(p);
    }
    return path;
  } catch (e) {
    throw new StateError(dir, `cannot keep a copy of the lab's file in ${dir}: ${(e as Error).message}`, 'check the state directory (TOPO_STATE_DIR, default /run/topo)', {}, e);
  }
}

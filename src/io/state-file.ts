// The lab's state record on disk: <state dir>/<lab>.json (io/state-dir.ts says which directories and files are
// trusted). Read as input: opened without following symlinks or blocking, bounded, parsed and checked field by field
// (core/state.ts) before anything uses it. Written atomically: a new private file (O_EXCL, O_NOFOLLOW, 0600, a
// random name) renamed over the record; a write that fails removes its temporary file and says why.
import { randomBytes } from 'node:crypto';
import { closeSync, constants as C, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkState, emptyState, stateText, type StateRecord } from '../core/state.js';
import { LAB_NAME } from '../core/names.js';
import { StateError } from '../errors.js';
import { cannot, openStateFile, stateDir } from './state-dir.js';

/** A record larger than this is not one topo wrote (5,000 namespaces take well under 1 MB). */
const MAX_RECORD_BYTES = 64 << 20;

function fileOf(dir: string, lab: string): string {
  if (!LAB_NAME.test(lab)) throw new Error(`not a lab name: ${JSON.stringify(lab)}`); // validated long before
  return join(dir, `${lab}.json`);
}

export async function readState(lab: string): Promise<StateRecord> {
  const dir = stateDir(false);
  if (!dir) return emptyState(lab);
  const file = fileOf(dir, lab);
  const fd = openStateFile(file, C.O_RDONLY, 'the state record');
  if (fd === undefined) return emptyState(lab);
  let text: string;
  try {
    if (fstatSync(fd).size > MAX_RECORD_BYTES) throw unusable(file, [`larger than ${MAX_RECORD_BYTES >> 20} MB`]);
    text = readFileSync(fd, 'utf8');
  } catch (e) {
    throw e instanceof StateError ? e : cannot(file, 'read the state record', e);
  } finally { closeSync(fd); }
  let data: unknown;
  try { data = JSON.parse(text); } catch (e) {
    throw unusable(file, [`${text.trim() ? `not valid JSON (${(e as Error).message})` : 'the file is empty'}: truncated or damaged?`]);
  }
  const checked = checkState(data, lab);
  if (!checked.ok) throw unusable(file, checked.problems);
  return checked.state;
}

export async function writeState(s: StateRecord): Promise<void> {
  const dir = stateDir(true);
  const file = fileOf(dir, s.lab);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    writeFileSync(fd, stateText(s));
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* not created, or renamed */ }
    throw cannot(file, 'write the state record', e);
  }
}

export async function removeState(lab: string): Promise<void> {
  const dir = stateDir(false);
  if (!dir) return;
  const file = fileOf(dir, lab);
  try { unlinkSync(file); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot(file, 'remove the state record', e);
  }
}

function unusable(file: string, problems: string[]): StateError {
  const shown = problems.slice(0, 8).concat(problems.length > 8 ? [`... and ${problems.length - 8} more`] : []);
  return new StateError(file, `the state record ${file} can't be used:\n  ${shown.join('\n  ')}`,
    `topo acts on nothing in a record it can't read, and this is not one it wrote. If you know what changed it, put it right; otherwise move it away (mv ${file} ${file}.bad) and run \`topo destroy\` with the lab's file: without a record, destroy finds the lab's namespaces, interfaces and NAT table by the kernel's marks (host routes and the previous values of host sysctls are only in the record: check those by hand)`,
    { problems });
}

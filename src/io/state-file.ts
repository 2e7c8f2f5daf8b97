// The lab's state record on disk: $TOPO_STATE_DIR (default /run/topo)/<lab>.json, written atomically.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyState, type StateRecord } from '../core/state.js';

export const stateDir = () => process.env.TOPO_STATE_DIR ?? '/run/topo';
const fileOf = (lab: string) => join(stateDir(), `${lab}.json`);

export async function readState(lab: string): Promise<StateRecord> {
  try {
    const s = JSON.parse(await readFile(fileOf(lab), 'utf8')) as Partial<StateRecord>;
    return { ...emptyState(lab), ...s, lab };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(lab);
    throw e;
  }
}

export async function writeState(s: StateRecord): Promise<void> {
  await mkdir(stateDir(), { recursive: true });
  const tmp = `${fileOf(s.lab)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(s, null, 1)}\n`);
  await rename(tmp, fileOf(s.lab));
}

export async function removeState(lab: string): Promise<void> {
  await rm(fileOf(lab), { force: true });
}

// The lab's link group, unique to it on this machine. The group marks the lab's interfaces from their first instant
// and lets a destroy remove all of its host interfaces with one `ip link del group G`; that is only safe if no
// other lab creates interfaces in G. A hash of the name can't promise it (two names share one of 2^31 values), so
// each lab claims its group: a file <state dir>/groups/G holding the lab's name, created with O_EXCL. It lives in
// the state directory so that it is trusted on the same terms as the records (io/state-dir.ts: only root can write
// it; a planted claim could otherwise hand this lab another lab's group). The first lab to claim G has it; another
// whose name hashes to G takes the next free value. A lab claims its group when its first apply is about to create
// something; the claim is kept while the lab exists (a crash leaves it, the next apply uses it again) and given back
// when its record goes.
import { closeSync, constants as C, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashGroup, nextGroup } from '../core/lab.js';
import { StateError } from '../errors.js';
import { cannot, openStateFile, stateDir } from './state-dir.js';

/** The claims' directory, checked like the state directory (owned by root, 0700); undefined when there is none yet. */
function groupsDir(create: boolean): string | undefined {
  const base = stateDir(create);
  if (!base) return undefined;
  const dir = join(base, 'groups');
  if (create) {
    try { mkdirSync(dir, { mode: 0o700 }); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(dir, 'create the link group claims directory', e);
    }
  }
  let st;
  try { st = lstatSync(dir); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cannot(dir, 'read the link group claims directory', e);
  }
  const uid = process.geteuid?.() ?? 0;
  if (!st.isDirectory() || (st.uid !== 0 && st.uid !== uid) || st.mode & 0o022) {
    throw new StateError(dir, `${dir} is not a private directory of root's (${st.isDirectory() ? `uid ${st.uid}, mode 0${(st.mode & 0o777).toString(8)}` : 'not a directory'}): topo won't trust the link group claims in it`,
      `remove it (rm -r ${dir}) and run the command again: topo makes it, mode 0700`);
  }
  return dir;
}

/** The lab that claimed a group, if any. */
function ownerOf(dir: string, group: number): string | undefined {
  const fd = openStateFile(join(dir, String(group)), C.O_RDONLY, 'the link group claim');
  if (fd === undefined) return undefined;
  try { return readFileSync(fd, 'utf8').trim(); } finally { closeSync(fd); }
}

/** The group this lab has claimed, if any. */
function claimed(dir: string | undefined, lab: string): number | undefined {
  if (!dir) return undefined;
  for (const n of readdirSync(dir)) if (/^\d+$/.test(n) && ownerOf(dir, Number(n)) === lab) return Number(n);
  return undefined;
}

/**
 * The lab's group: the one it claimed, else (claim: false) the one it would claim now, else (claim: true, under
 * the lab's lock, before anything is created) claimed here.
 */
export async function labGroup(lab: string, claim: boolean): Promise<number> {
  const dir = groupsDir(claim);
  const mine = claimed(dir, lab);
  if (mine !== undefined) return mine;
  for (let g = hashGroup(lab); ; g = nextGroup(g)) {
    const owner = dir ? ownerOf(dir, g) : undefined;
    if (owner === lab) return g;
    if (owner !== undefined) continue;
    if (!claim || !dir) return g;
    let fd: number;
    try {
      fd = openSync(join(dir, String(g)), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // another lab took it meanwhile: the next one
      throw cannot(join(dir, String(g)), 'claim the link group', e);
    }
    try { writeFileSync(fd, `${lab}\n`); } finally { closeSync(fd); }
    return g;
  }
}

/** Give the lab's group back (its record is gone: nothing of it is left in the kernel). */
export async function releaseGroup(lab: string): Promise<void> {
  const dir = groupsDir(false);
  const g = claimed(dir, lab);
  if (g === undefined || !dir) return;
  try { unlinkSync(join(dir, String(g))); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot(join(dir, String(g)), 'release the link group', e);
  }
  try { rmdirSync(dir); } catch { /* other labs' claims are in it */ }
}

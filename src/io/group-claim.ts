// The lab's link group, unique to it on this machine. The group marks the lab's interfaces from their first instant
// and lets a destroy remove all of its host interfaces with one `ip link del group G`; that is only safe if no
// other lab creates interfaces in G. A hash of the name can't promise it (two names share one of 2^31 values), so
// each lab claims its group: a file <state dir>-groups/G holding the lab's name, created with O_EXCL (beside the
// state dir, not in it: that one holds records and locks only). The first lab to claim G has it; another whose
// name hashes to G takes the next free value. A lab claims its group when its first apply is about to create
// something; the claim is kept while the lab exists (a crash leaves it, the next apply uses it again) and given
// back when its record goes.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashGroup, nextGroup } from '../core/lab.js';
import { stateDir } from './state-file.js';

const dirOf = () => `${stateDir().replace(/\/+$/, '')}-groups`;

/** The group this lab has claimed, if any. */
async function claimed(lab: string): Promise<number | undefined> {
  let names: string[];
  try { names = await readdir(dirOf()); } catch { return undefined; }
  for (const n of names) if (/^\d+$/.test(n) && await ownerOf(Number(n)) === lab) return Number(n);
  return undefined;
}

async function ownerOf(group: number): Promise<string | undefined> {
  try { return (await readFile(join(dirOf(), String(group)), 'utf8')).trim(); } catch { return undefined; }
}

/**
 * The lab's group: the one it claimed, else (claim: false) the one it would claim now, else (claim: true, under
 * the lab's lock, before anything is created) claimed here.
 */
export async function labGroup(lab: string, claim: boolean): Promise<number> {
  const mine = await claimed(lab);
  if (mine !== undefined) return mine;
  if (claim) await mkdir(dirOf(), { recursive: true });
  for (let g = hashGroup(lab); ; g = nextGroup(g)) {
    const owner = await ownerOf(g);
    if (owner === lab) return g;
    if (owner !== undefined) continue;
    if (!claim) return g;
    try {
      await writeFile(join(dirOf(), String(g)), `${lab}\n`, { flag: 'wx' });
      return g;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // else another lab took it meanwhile: the next one
    }
  }
}

/** Give the lab's group back (its record is gone: nothing of it is left in the kernel). */
export async function releaseGroup(lab: string): Promise<void> {
  const g = await claimed(lab);
  if (g !== undefined) await rm(join(dirOf(), String(g)), { force: true });
}

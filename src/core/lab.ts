// The lab's identity in the kernel: the alias on everything it owns and the link group it creates links in.
import type { LabIdentity } from '../model.js';

/** `group`: the one the lab claimed (io/group-claim.ts); by default the hash of its name. */
export function labIdentity(name: string, group = hashGroup(name)): LabIdentity {
  return { name, alias: `topo:${name}`, group };
}

/**
 * FNV-1a of the name, kept clear of the default group 0 and the low groups people use by hand. Two names may
 * share it: it is only where a lab starts looking for a free group to claim.
 */
export function hashGroup(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return ((h & 0x7fffffff) | 0x10000) >>> 0;
}

/** The group to try after g (same range as hashGroup's). */
export const nextGroup = (g: number) => ((((g + 1) & 0x7fffffff) | 0x10000) >>> 0);

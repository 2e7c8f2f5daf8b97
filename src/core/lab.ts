// The lab's identity in the kernel: the alias on everything it owns and the link group it creates links in.
import type { LabIdentity } from '../model.js';

export function labIdentity(name: string): LabIdentity {
  return { name, alias: `topo:${name}`, group: groupOf(name) };
}

/** FNV-1a of the name, kept clear of the default group 0. Two labs may share a group; the alias tells them apart. */
function groupOf(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return ((h & 0x7fffffff) | 0x10000) >>> 0;
}

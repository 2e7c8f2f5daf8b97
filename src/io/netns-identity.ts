// The kernel's identity of a named network namespace, read from its file in /run/netns (the bind mount `ip netns
// add` makes of the namespace's nsfs inode): "inode:ctime-ns". The inode number alone is not enough, the kernel
// hands a freed namespace's number to the next one; the nsfs inode's ctime is set once, when `ip netns add`
// first opens the namespace, and stays as long as the name pins it. So a namespace deleted and made again under
// the same name (by anyone) has another identity, and the lab's record of it proves which one the lab created.
// One stat per namespace, no process; synchronous (a few microseconds each, no trip through Node's thread pool).
import { statSync } from 'node:fs';
import { join } from 'node:path';

/** Where `ip netns` keeps its names (iproute2's NETNS_RUN_DIR, /var/run/netns, which is /run/netns). */
export const NETNS_DIR = '/run/netns';

/** The namespace's identity, or undefined when it has no name (any more). */
export async function netnsIdentity(name: string): Promise<string | undefined> {
  try {
    const s = statSync(join(NETNS_DIR, name), { bigint: true, throwIfNoEntry: false });
    return s && `${s.ino}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** Identities of the namespaces that have one, by name. */
export async function netnsIdentities(names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const id = await netnsIdentity(n);
    if (id !== undefined) out[n] = id;
  }
  return out;
}

// The lab's state record: what the kernel can't hold. Pure type + merge helpers; file IO is in io/state-file.ts.

export interface StateRecord {
  lab: string;
  /** Namespaces created by the lab (covers the instant between `netns add` and marking its `lo`). */
  namespaces: string[];
  /**
   * The kernel's identity of each namespace the lab created ("inode:ctime-ns" of its nsfs file, see
   * io/netns-identity.ts), recorded right after `netns add` succeeded: a namespace of that name made by someone
   * else since (or before, in a race) has another identity, so it is never taken for the lab's.
   */
  namespaceIds: Record<string, string>;
  /** Interfaces created by the lab as "ns/name" (covers the instant between `link add` and setting the alias). */
  links: string[];
  /** Routes in the host namespace the lab added (route keys). Routes in lab namespaces are owned with them. */
  hostRoutes: string[];
  /** Previous value of every sysctl the lab changed, by "ns|key": restored when the lab lets go of it. */
  sysctls: Record<string, string>;
  /** Namespaces where the lab owns an nftables table. */
  nat: string[];
}

export function emptyState(lab: string): StateRecord {
  return { lab, namespaces: [], namespaceIds: {}, links: [], hostRoutes: [], sysctls: {}, nat: [] };
}

const uniq = (a: string[]) => [...new Set(a)].sort();

export function mergeState(a: StateRecord, b: Partial<StateRecord>): StateRecord {
  return {
    lab: a.lab,
    namespaces: uniq([...a.namespaces, ...(b.namespaces ?? [])]),
    // A newer identity wins: a namespace the lab re-created has a new one.
    namespaceIds: { ...a.namespaceIds, ...(b.namespaceIds ?? {}) },
    links: uniq([...a.links, ...(b.links ?? [])]),
    hostRoutes: uniq([...a.hostRoutes, ...(b.hostRoutes ?? [])]),
    sysctls: { ...(b.sysctls ?? {}), ...a.sysctls },
    nat: uniq([...a.nat, ...(b.nat ?? [])]),
  };
}

export function isEmptyState(s: StateRecord): boolean {
  return !s.namespaces.length && !s.links.length && !s.hostRoutes.length && !Object.keys(s.sysctls).length && !s.nat.length;
}

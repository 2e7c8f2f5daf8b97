// Read the lab's live state from the kernel and plan against it (the IO half of planning).
import { labIdentity } from '../core/lab.js';
import type { KindContext } from '../core/kind.js';
import { resolveLab } from '../core/lab-model.js';
import type { IpRead, LiveSnapshot } from '../core/live.js';
import { readScope, type Planned } from '../core/pipeline.js';
import type { StateRecord } from '../core/state.js';
import type { Resource, Topology } from '../model.js';
import { listNetns, readLive, readLoAliases, type ReadRequest } from '../io/read-live.js';
import type { Runner } from '../io/runner.js';
import { readState, removeState } from '../io/state-file.js';
import { labGroup, releaseGroup } from '../io/group-claim.js';
import { KINDS, nsidsNeeded, planFrom } from '../kinds/index.js';

export interface Observed extends Planned { ctx: KindContext; snap: LiveSnapshot }

/** The lab's identity (with the link group it claimed or would claim, see io/group-claim.ts) and its record. */
export async function loadContext(lab: string): Promise<KindContext> {
  return { lab: labIdentity(lab, await labGroup(lab, false)), state: await readState(lab) };
}

/**
 * The `ip` lines the kinds read in each namespace (in the batch that reads it; also an apply's read-back): every
 * kind's ipReads (with the lab's record, only where the kind needs them: Kind.ipReadsOnly), and with a file the
 * lines it needs (Kind.ipReadsFor).
 */
export const kindIpReads = (topo?: Topology, ctx?: KindContext): IpRead[] => KINDS.flatMap((k) => {
  const only = ctx && k.ipReadsOnly?.(topo, ctx);
  return [...(k.ipReads ?? []).map((r) => (only ? { ...r, only } : r)), ...(topo && k.ipReadsFor ? k.ipReadsFor(topo) : [])];
});

/** What a caller may add to the read: namespaces already read or to read shallow, and (tests) how files are read. */
export type ReadOptions = Pick<ReadRequest, 'known' | 'shallow' | 'netns' | 'procSys' | 'identity' | 'inProcess'>;

export async function observe(run: Runner, topo: Topology | undefined, ctx: KindContext, extraNs: string[] = [],
  read: ReadOptions = {}, desired?: Resource[]): Promise<Observed> {
  const scope = readScope(topo, ctx.state);
  const snap = await readLive(run, { namespaces: [...scope.namespaces, ...extraNs], sysctls: scope.sysctls,
    ipReads: kindIpReads(topo, ctx), nsidsNeeded: (s) => nsidsNeeded(s, ctx),
    toolReads: KINDS.flatMap((k) => k.reads?.(topo, ctx, topo && resolveLab(topo, KINDS)) ?? []), ...read });
  return { ...planFrom(topo, snap, ctx, desired), ctx, snap };
}

/** The lab has nothing left: its record goes, and its link group is given back (the counterpart of loadContext). */
export async function forget(lab: string): Promise<void> {
  await removeState(lab);
  await releaseGroup(lab);
}

/**
 * Namespaces marked as this lab's among all those on the machine but `known` (a lost record): every other
 * namespace's `lo` is read, in one batched read. `netns`: the namespaces in /run/netns, when just listed.
 */
export async function findMarkedNamespaces(run: Runner, ctx: KindContext, known: string[], netns?: string[]): Promise<string[]> {
  const others = (netns ?? await listNetns(run)).filter((n) => !known.includes(n));
  const aliases = await readLoAliases(run, others);
  return others.filter((n) => aliases.get(n) === ctx.lab.alias);
}

export type { StateRecord };

// The contract every resource kind implements, in one file of src/kinds (plus its schema definition, one line in
// src/kinds/index.ts and its fixtures). A kind says what it declares (from the lab's model), what it reads from the
// kernel and how it recognises its own objects there, how to compare the two, the commands that create, change
// and remove its objects, where those run relative to other kinds (by name), what the state record keeps for it,
// and how it is checked, shown and drawn. The core is generic over a list of kinds and names none of them.
import type { Change, Cmd, LabIdentity, Resource, StageName, Topology } from '../model.js';
import type { Finding } from './finding.js';
import type { DeclaredIface, LabModel } from './lab-model.js';
import type { IpRead, LiveSnapshot, ToolRead } from './live.js';
import type { LocalUnderlay } from './links.js';
import type { StateRecord } from './state.js';

export interface KindContext {
  lab: LabIdentity;
  /** What earlier applies recorded (objects the kernel can't mark, previous sysctl values). */
  state: StateRecord;
}

export type FieldDiff = [field: string, live: unknown, desired: unknown];

/**
 * Where an operation of a kind runs: its stage (model.ts STAGES, one after the other), and within the stage after
 * the operations it names — "kind" (the same operation of that kind), "kind:op", or "@group": every operation, of
 * any kind, that says it belongs to that group (`groups`), so a kind can come after a sort of operation without
 * naming each kind that has one (a new kind joins the group in its own file). Operations with nothing between
 * them keep the order of the registry and of the file.
 */
export interface Slot { stage: StageName; after?: string[]; groups?: Group[] }

/**
 * The groups operations may belong to. `interface-settings`: what sets an interface's own settings (up/down, MTU,
 * MAC, master) in the config stage — addresses and neighbour entries come after it, because an interface taken
 * down drops its global IPv6 addresses and flushes its neighbours.
 */
export type Group = 'interface-settings';

/** An interface the file declares, with what the other kinds need to know of it (see core/lab-model.ts). */
export type { DeclaredIface };

/** Something in a namespace that a plan deleting it would take along although the lab doesn't own it. */
export interface Blocker {
  ns: string; ifname: string; kind: string;
  /** How it is named, when it is no interface ("process 123 (sleep 100)"). */
  what?: string;
  /**
   * Reported, not refused: the plan runs and this is left as it is, never touched (a process someone started in
   * the namespace: the namespace's name goes, its network lives on as long as the process does).
   */
  leave?: boolean;
}

/** `P`: the props of the kind's resources (desired and live alike). */
export interface Kind<P extends object = object> {
  name: string;
  order: { create: Slot; update: Slot; delete: Slot };
  /** The interfaces of this kind the file declares: every kind's addresses, graph, tests and checks read them. */
  interfaces?(topo: Topology): DeclaredIface[];
  /** Checks of what the schema can't express, on the resolved model; each finding with its place in the file. */
  check?(model: LabModel, opts: CheckOptions): Finding[];
  desired(model: LabModel, ctx: KindContext): Resource<P>[];
  /** Lines added to the `ip -json -d -batch` read of every namespace read (no process of their own). */
  ipReads?: IpRead[];
  /**
   * Where the ipReads are needed, for this file (undefined without one) and record: the namespaces whose read has
   * them (IpRead.only), or undefined for every namespace. A kind whose objects the record lists reads them only where
   * the file declares some or the record lists some (kinds/rule.ts), and everywhere for a record that doesn't list
   * them (StateRecord.unlisted). Without a record (`topo ls`, import) the lines are in every namespace's read.
   */
  ipReadsOnly?(topo: Topology | undefined, ctx: KindContext): string[] | undefined;
  /**
   * Lines added the same way only for a file that needs them (e.g. a setting only some files declare), so that other
   * labs' reads don't grow; none without a file (destroy, `topo ls`, import), where the kind doesn't compare them.
   */
  ipReadsFor?(topo: Topology): IpRead[];
  /**
   * What the kind needs read beyond `ip -json` (run by io/read-live.ts; results in NsLive.reads). `model`: the file
   * resolved (its interfaces, of every kind), undefined without a file (destroy of a lab whose file is gone).
   */
  reads?(topo: Topology | undefined, ctx: KindContext, model?: LabModel): ToolRead[];
  /**
   * Namespaces besides the host whose nsids (NsLive.nsids, `ip netns list`) the kind needs to recognise its live
   * objects in this snapshot (an interface whose peer or parent is in another namespace names it by nsid). They
   * are read only where some kind asks: the command looks up every namespace on the machine.
   */
  nsidsNeeded?(snap: LiveSnapshot, ctx: KindContext): string[];
  /** Owned objects (owned: true) and, where they matter for name conflicts, unowned ones (owned: false). */
  live(snap: LiveSnapshot, ctx: KindContext): Resource<P>[];
  /**
   * Does the kernel drop this live object as a side effect of these deletions or updates (e.g. the IPv4 routes
   * through an interface go when its last IPv4 address does; static neighbours go when their interface is taken
   * down or given another MAC)? Then, if still desired, it is created again after them (its `order` must say
   * after what). `updates`: the plan's updates of the objects it keeps. (Objects whose parent is deleted are
   * handled generically through `parents`.)
   */
  droppedWith?(live: Resource<P>, deletes: Change[], allLive: Resource[], updates: Change[]): boolean;
  /** Differences that need an update; the default compares declared props only. */
  compare?(desired: Resource<P>, live: Resource<P>): FieldDiff[];
  create(r: Resource<P>, ctx: KindContext): Cmd[];
  update(desired: Resource<P>, live: Resource<P>, fields: FieldDiff[], ctx: KindContext): Cmd[];
  remove(live: Resource<P>, ctx: KindContext): Cmd[];
  /**
   * What the state record must hold for objects the kernel can't mark as the lab's (or values it can't give back):
   * `intent`, for a change about to run (written before it, so a crash leaves nothing unowned); `keep`, for a
   * desired object once an apply succeeded (given the record written before it ran).
   */
  record?: { intent(c: Change): Partial<StateRecord>; keep(desired: Resource<P>, intent: StateRecord): Partial<StateRecord> };
  /** Things in the namespaces a plan deletes that the lab doesn't own: the plan must not run. */
  blockers?(deletedNamespaces: string[], snap: LiveSnapshot, ctx: KindContext): Blocker[];
  /** How a live object of this kind that holds a declared one's name is named in a conflict (default "kind label in ns"). */
  holder?(r: Resource<P>): string;
  /** `topo show`: listed among the lab's objects (with `detail` after its label). */
  show?: { detail?(r: Resource<P>): string };
  /** A setting of another object (an interface's state): its deletion along with that object is not counted or shown. */
  setting?: boolean;
  /**
   * `topo graph`: notes in a namespace's box; those with a `box` are drawn apart under that title (the NAT rules),
   * those with an `iface` in that interface of the namespace (under its addresses).
   */
  draw?(model: LabModel, ns: string): { text: string; box?: string; iface?: string }[];
}

/** What the checks may know of the machine (read by the CLI, passed in: validation stays pure). */
export interface CheckOptions {
  /** false: the `nft` command is missing. undefined: not checked. */
  nftAvailable?: boolean;
  /**
   * The running kernel's network sysctls ("net.ipv4.ip_forward", "net.ipv4.conf.*.forwarding"); a declared one not
   * among them is warned about. Asked only when the file declares a net.* sysctl (reading them walks /proc/sys/net).
   * undefined, or a call that returns undefined: not checked.
   */
  knownSysctls?: () => ReadonlySet<string> | undefined;
  /** The user and group names of this machine (/etc/passwd, /etc/group); a process's unknown `user` is refused. undefined: not checked. */
  knownUsers?: { users: ReadonlySet<string>; groups: ReadonlySet<string> };
  /**
   * Was the running kernel built with this option ("BRIDGE_VLAN_FILTERING", without CONFIG_)? true: built in or a
   * module; false: not set; undefined: the kernel's configuration can't be read. undefined: not checked.
   */
  kernelConfig?: (option: string) => boolean | undefined;
  /**
   * Check an nft script without applying anything (`nft -c -f -`, in the namespace topo runs in): nft's error
   * output ("/dev/stdin:LINE:COL-COL: Error: ..."), '' when nft accepts it, undefined when it can't be checked
   * (no nft, no permission). undefined: not checked.
   */
  nftCheck?: (script: string) => string | undefined;
  /**
   * The interface of this machine's root namespace that holds `address`, and its MTU (undefined: no interface here
   * has it — the address is another machine's). A link's MTU is checked against the underlay of the host topo runs
   * on (core/links.ts). undefined: not checked.
   */
  underlayLink?: (address: string) => LocalUnderlay | undefined;
}

/** Compare the props the desired side declares (undefined = "don't care"). */
export function compareDeclared(desired: Resource, live: Resource): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const [k, v] of Object.entries(desired.props)) {
    if (v === undefined) continue;
    const l = (live.props as Record<string, unknown>)[k];
    if (l === v) continue;
    if (typeof v !== 'object' || v === null || JSON.stringify(l) !== JSON.stringify(v)) out.push([k, l, v]);
  }
  return out;
}

// Shared data types of the pipeline: load → validate → resolve → read live → diff → order → execute → verify.
// Desired and live state share one type (Resource) so that diff and verify compare like with like.

/** The topology file after validation: what the user wrote, defaults unapplied, addresses and MACs in canonical spelling. */
export interface Topology {
  name: string;
  /** The machines (hosts) the lab spans (core/host-slice.ts): a namespace named NAME@HOST is on HOST. */
  machines?: Record<string, HostSpec>;
  namespaces?: Record<string, NamespaceSpec | null>;
  bridges?: Record<string, BridgeSpec | null>;
  veths?: VethSpec[];
  /** Links between two machines (core/links.ts): a VXLAN pair (default), or routes over the underlay. */
  links?: LinkSpec[];
  tests?: TestSpec[];
}
/** A machine of the lab: reached over SSH, or the local one; `underlay` is its address between the hosts. */
export interface HostSpec {
  ssh?: string; port?: number; identity?: string; local?: boolean; underlay?: string;
  /** The command that runs topo on the host, split into words at spaces (default `topo`; src/remote/). */
  topo?: string;
}
export interface NamespaceSpec {
  loopback?: 'up' | 'down';
  /** Bridges of this namespace, by name: two namespaces may each have a br0. */
  bridges?: Record<string, NsBridgeSpec | null>;
  sysctls?: Record<string, string | number>;
  routes?: RouteSpec[];
  nat?: NatSpec;
}
export interface RouteSpec { to: string; via?: string; dev?: string; metric?: number }
export interface NsBridgeSpec { addresses?: string[]; mtu?: number; up?: boolean; mac?: string }
/** A top-level `bridges:` entry: named over the whole file, in `namespace` (default host). */
export interface BridgeSpec extends NsBridgeSpec { namespace?: string }
export interface EndSpec {
  name: string; namespace?: string; addresses?: string[]; mtu?: number; mac?: string; up?: boolean; bridge?: string;
}
export interface VethSpec { ends: [EndSpec, EndSpec] }
/**
 * A link between two hosts (core/links.ts). VXLAN (the default mode): `ends` on two hosts joined by a VXLAN tunnel
 * between their underlay addresses. Routed: routes `between` two hosts to each other's subnets over the underlay.
 */
export interface LinkSpec {
  mode?: 'vxlan' | 'routed';
  ends?: [EndSpec, EndSpec];
  vni?: number;
  dstport?: number;
  mtu?: number;
  between?: [string, string];
}
/** The `nat:` section (src/kinds/nat-rules.ts writes it as nftables rules; README "nat" says what each field becomes). */
export interface NatSpec {
  masquerade?: { out?: string; from?: string; proto?: 'tcp' | 'udp'; ports?: number | string }[];
  snat?: { out?: string; from?: string; proto?: 'tcp' | 'udp'; to: string }[];
  forward?: {
    in?: string; from?: string; dst?: string; proto?: 'tcp' | 'udp'; port?: number | string; to: string;
    /** true: also for the namespace's own connections (the output hook); 'only': for those alone. */
    output?: boolean | 'only';
  }[];
}
/**
 * A test run by `topo test`, from namespace `from`: exactly one of ping, tcp, http, command (see core/test-targets.ts).
 * `until`/`interval`: tried again until it holds or the time is up (a daemon still starting).
 */
export interface TestSpec {
  from: string;
  ping?: string;
  /** "HOST:PORT": a connection's outcome, matched against `expect` (default open). */
  tcp?: string;
  /** An http:// or https:// URL: the response's status, matched against `status` (default 200). */
  http?: string;
  /** https: accept any certificate (self-signed, another name, expired); default: verified against the system's CAs. */
  insecure?: boolean;
  /** argv, or a line for `sh -c`: its exit code against `exit` (default 0), its output against `output`. */
  command?: string | string[];
  expect?: 'reachable' | 'unreachable' | 'open' | 'refused' | 'timeout' | 'closed';
  status?: number;
  exit?: number;
  /** A regular expression the command's standard output must match (^ and $ at each line). */
  output?: string;
  external?: boolean;
  /** How long to keep trying (seconds, or "500ms", "30s", "2m"); default: one try. */
  until?: number | string;
  /** Time between tries (default 1 s). */
  interval?: number | string;
  /** How long one try may take: a command is stopped after it (default 30 s); ping, tcp, http wait that long for an answer (default `topo test --timeout`, 2 s). */
  timeout?: number | string;
}

/** The namespace topo runs in. */
export const HOST = 'host';
/** Stands for the namespace topo runs in, in `netns` arguments; replaced by topo's PID when run, `$$` in scripts. */
export const HOST_NETNS = '@host-pid';

/** A bridge as the file declares it, top-level or under its namespace; `path` is the JSON pointer of its key. */
export interface DeclaredBridge { ns: string; name: string; spec: NsBridgeSpec; path: string }

/**
 * Every bridge of the file: `bridges.<name>` (in `namespace`, default host) and `namespaces.<ns>.bridges.<name>`.
 * A bridge is identified by (namespace, name), like every interface.
 */
export function bridgesOf(t: Topology): DeclaredBridge[] {
  const out: DeclaredBridge[] = [];
  for (const [name, b] of Object.entries(t.bridges ?? {})) out.push({ ns: b?.namespace ?? HOST, name, spec: b ?? {}, path: `/bridges/${name}` });
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    for (const [name, b] of Object.entries(spec?.bridges ?? {})) out.push({ ns, name, spec: b ?? {}, path: `/namespaces/${ns}/bridges/${name}` });
  }
  return out;
}

/** One kernel object, desired or live. `key` is unique across kinds (it starts with the kind name). */
export interface Resource<P extends object = object> {
  kind: string;
  key: string;
  /** Namespace the object lives in (HOST for the root namespace). */
  ns: string;
  /** Human label, e.g. "veth1 <-> veth-host". */
  label: string;
  props: P;
  /** Names this object occupies in the kernel ("netns:ns1", "link:ns1/veth1"): two objects can't share one. */
  claims: string[];
  /** Claims whose removal removes this object too (its namespace, its interface). */
  parents: string[];
  /** Live objects only: does this lab own it? Unowned live objects are never changed or deleted. */
  owned?: boolean;
  /**
   * Live objects only: not the lab's, but exactly what the file declares at this key, changed by hand inside a lab
   * namespace (e.g. a lab route replaced with `ip route replace`): repaired as drift when declared, never pruned.
   */
  adoptable?: boolean;
  /** Desired objects only: where in the file it was declared (a JSON pointer into the document). */
  path?: string;
}

/**
 * One command. `tool: 'ip'` and `tool: 'tc'` commands are batchable: consecutive ones of a namespace run as lines of
 * one `ip [-n NS] -batch -` (or `tc [-n NS] -batch -`); the others run alone: 'ip6' is `ip -6` (for what ip can't
 * tell the family of, rules), 'sysctl' a write to /proc/sys, 'nft' and 'bridge' those tools (see core/commands.ts
 * argvOf); 'file' a file operation topo does itself, where it runs, with no process (io/file-tool.ts: FILE_OPS says
 * what each of `args` does; argvOf names the command a script would run); 'spawn' a process topo starts in a namespace or stops, itself
 * (io/process-tool.ts says what each of `args` does); 'procfs' is a read only (ToolRead).
 */
export interface Cmd {
  ns: string;
  tool: Tool;
  args: string[];
  /** stdin for the command (nft -f -). */
  input?: string;
  /** Commands that undo this one once it has run (used by rollback). */
  undo?: Cmd[];
  /** The stage this command runs in when it is not its step's (a new bridge is brought up in 'bridges'). */
  stage?: StageName;
}

export type Tool = 'ip' | 'ip6' | 'sysctl' | 'nft' | 'bridge' | 'tc' | 'file' | 'spawn' | 'procfs';

export type Op = 'create' | 'update' | 'delete';
export interface Change {
  op: Op;
  kind: string;
  key: string;
  ns: string;
  label: string;
  desired?: Resource;
  live?: Resource;
  /** Field-level differences of an update: [field, live value, desired value]. */
  fields?: [string, unknown, unknown][];
}

/** A change with its place in the order and the commands that carry it out. */
export interface Step extends Change {
  /** Its place in the order (core/order.ts ranks): steps of equal rank keep the order of the registry and of the file. */
  rank: number;
  stage: StageName;
  cmds: Cmd[];
}

export type StageName = 'stop' | 'namespaces' | 'unstack' | 'unlink' | 'links' | 'stacked' | 'config' | 'bridges' | 'run' | 'cleanup';
export const STAGES: StageName[] = ['stop', 'namespaces', 'unstack', 'unlink', 'links', 'stacked', 'config', 'bridges', 'run', 'cleanup'];

export interface Plan {
  lab: string;
  steps: Step[];
  /** Deletions that happen as a consequence of another one (a namespace takes its links with it). */
  subsumed: Change[];
}

/** Identity of the lab in the kernel. */
export interface LabIdentity {
  name: string;
  /** ifalias put on every interface the lab owns (and on `lo` of its namespaces). */
  alias: string;
  /** Link group set at creation time, so an interface is marked from its first instant. */
  group: number;
}

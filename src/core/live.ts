// The live snapshot: what `ip -json` (and nft -j, /proc/sys) printed, per namespace. Read by io/read-live.ts.

export interface IpAddrInfo {
  family: 'inet' | 'inet6' | string;
  local: string;
  prefixlen: number;
  scope?: string;
}
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  group?: string;
  master?: string;
  ifalias?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string };
  addr_info?: IpAddrInfo[];
}
export interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  metric?: number;
  pref?: string;
  scope?: string;
}

export interface NsLive {
  name: string;
  /** The namespace's kernel identity (see io/netns-identity.ts); undefined for the host or when not read. */
  identity?: string;
  links: IpLink[];
  routes: IpRoute[];
  /** Values of the sysctls that were asked for, as the kernel prints them. */
  sysctls: Record<string, string>;
  /**
   * Names of the other namespaces by the netnsid this one knows them by (`ip netns list`); ids without a file are
   * absent. Undefined when not read: always read in the host, elsewhere only when veth pairing needs it.
   */
  nsids?: Record<number, string>;
  /**
   * Only its interfaces were read (without addresses): the namespace is the lab's and about to be deleted whole
   * (destroy), so its addresses and routes don't matter; routes are empty.
   */
  shallow?: boolean;
  /** What the kinds' declared reads (ToolRead) returned here, by their names: parsed JSON, or undefined (absent). */
  reads?: Record<string, unknown>;
  /**
   * The JSON document each of the kinds' `ip` lines (Kind.ipReads) printed here, by the read's name, as the kernel
   * printed it. Absent where the namespace was read shallow (its interfaces only).
   */
  ipDocs?: Record<string, unknown>;
}

/**
 * One `show` (or `list`) line of the `ip -json -d -batch` that reads each namespace, named. A kind declares the lines
 * it needs (Kind.ipReads): they join the batch every namespace read already runs (no process of their own), and the
 * document each prints is kept in NsLive.ipDocs under the read's name. topo's own reads (interfaces with their
 * addresses, routes, nsids) are named entries of the same kind, see io/ip-reads.ts.
 */
export interface IpRead {
  /** Where the document goes in NsLive.ipDocs. */
  name: string;
  /** The line as `ip -batch` takes it, e.g. 'rule show', 'neigh show'. */
  line: string;
  /** The namespaces whose read has the line (Kind.ipReadsOnly); absent: every namespace read in full. */
  only?: string[];
}

/**
 * A read a kind declares as data (Kind.reads): one tool run in one namespace, its JSON output kept in
 * NsLive.reads[name]. io/read-live.ts runs it; the kind reads the result in its live(). A kind never runs anything.
 */
export interface ToolRead {
  /** Where the result goes in NsLive.reads. */
  name: string;
  ns: string;
  /**
   * Run as core/commands.ts argvOf runs it ('ip6': `ip -6`, which no batch line can be). 'file': a file or directory
   * read by topo itself (args: [path]; see io/file-tool.ts, FileRead), in the namespace topo runs in (ns HOST).
   * 'procfs': the processes in the lab's namespaces, read from /proc by topo itself (args: [lab, ...namespaces];
   * see io/process-tool.ts, ProcRead).
   */
  tool: 'nft' | 'bridge' | 'ip6' | 'tc' | 'file' | 'procfs';
  args: string[];
  /** What is read, for messages ("the NAT rules"). */
  what: string;
  /** The tool's stderr when there is nothing to read (e.g. no such table): the result is undefined, not an error. */
  absent: RegExp;
  /** The Debian package that provides the tool, named when it is missing. */
  pkg: string;
}

/**
 * What a 'file' read returns (undefined: nothing at that path). Never follows a symbolic link: a link, a device or a
 * socket at the path is 'other'. `content`: a file's first FILE_READ_MAX bytes as UTF-8; `entries`: a directory's
 * names, sorted.
 */
export type FileRead = { type: 'file'; content: string; size: number } | { type: 'dir'; entries: string[] } | { type: 'other' };

/** One process found in a lab namespace (a 'procfs' read). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Its start time, in clock ticks after boot (/proc/<pid>/stat field 22): with the pid, who it is. */
  start: number;
  /** The namespace (by name) whose network it uses. */
  ns: string;
  /** Its command line (argv joined by spaces), or its name in brackets when it has none. */
  cmdline: string;
  /** Its environment's markers, when it has them: TOPO_LAB, TOPO_RUN, TOPO_SPEC. */
  lab?: string;
  run?: string;
  spec?: string;
}

/**
 * What a 'procfs' read returns: every process (zombies left out) whose network namespace is one of the lab's (by the
 * identity of /run/netns/<ns>), topo itself and its children without a marker (its reads and commands) left out; `main`: what topo recorded as it started each
 * process, by its name (pid and start time, see io/process-tool.ts), for its status and uptime.
 */
export interface ProcRead {
  procs: ProcInfo[];
  /** Per process name, the one topo started (its pid file); `starting`: its ready check has not passed yet (or the apply that started it was killed before it did). */
  main: Record<string, { pid: number; start: number; starting?: boolean }>;
}

export interface LiveSnapshot {
  /** Every network namespace in /run/netns. */
  netns: string[];
  /** Namespaces that were read (host and the lab's), by name. */
  ns: Record<string, NsLive>;
}

export function linkIsUp(l: IpLink): boolean {
  return (l.flags ?? []).includes('UP');
}

// A namespace's read over netlink, in-process: the documents `ip -json -d -batch` would print for the show lines
// topo reads (SUPPORTED), so the same parsing (io/ip-reads.ts shapeRead) makes the same ShapedRead of them. A read
// asking for any other line is not taken here (canRead): the caller reads that namespace through `ip`.
// One session per read of the kernel: a socket per namespace (opened on first use, see socket.ts) and the files of
// /run/netns for nsid lookups, all closed by close().
import { closeSync, openSync, opendirSync, statSync } from 'node:fs';
import type { IpRead, ToolRead } from '../../core/live.js';
import { HOST } from '../../model.js';
import type { Libc } from './ffi.js';
import { inProcessNft, type NftAnswer, runNft } from './nft.js';
import { dumpAddrs, dumpLinks, linkDocs, linkNames, type Doc, type RawLink } from './links.js';
import { neighDocs, nsidList, nsidsOfFds, routeDocs, ruleDocs } from './routes.js';
import { machineTick, qdiscDocs } from './qdiscs.js';
import { NETNS_DIR } from '../netns-identity.js';
import { inNamespace, keepRecent, NetlinkError, type NetlinkSocket, openSocket, type OpenHooks, SysError } from './socket.js';
import { TopoError } from '../../errors.js';

/** The show lines read over netlink, by read name (a kind's read under another name goes through `ip`). */
const SUPPORTED: Readonly<Record<string, string>> = {
  links: 'addr show', routes: 'route show table all', nsids: 'netns list', 'ls-nsids': 'netns list',
  neighbour: 'neigh show nud permanent', 'rule:4': 'rule show', 'link-detail': 'link show',
};
const LINK_LINES = new Set(['link show', 'link show dev lo']);

/** Can these reads be made over netlink (else through `ip`)? */
export const canRead = (reads: IpRead[]): boolean =>
  reads.every((r) => SUPPORTED[r.name] === r.line || (r.name === 'links' && LINK_LINES.has(r.line)));

/** The `ip` command a line stands for in messages: what `ip` would have run. */
export const ipEquivalent = (ns: string, line: string) => `ip ${ns === HOST ? '' : `-n ${ns} `}-json -d ${line}`;

/** A dump that failed, named as the `ip` command of the same read, with the kernel's words (EPERM: E_PERM, exit 77). */
function readError(ns: string, line: string, e: unknown, command = ipEquivalent(ns, line)): Error {
  if (!(e instanceof NetlinkError)) return e as Error;
  const perm = e.errno === 1 || e.errno === 13;
  return new TopoError(perm ? 'E_PERM' : 'E_READ', `reading the kernel failed: ${command}: ${e.message}`, perm ? 77 : 1);
}

/** The tool reads netlink makes too (NetlinkSession.toolRead): the IPv6 rules (kinds/rule.ts), the qdiscs (kinds/shape.ts). */
const TOOL_READS: Readonly<Record<string, string>> = { ip6: '-N -d -json rule show', tc: '-j -raw qdisc show' };

/** Can this tool read be made over netlink (NetlinkSession.toolRead), else by its process? */
export const canReadTool = (r: ToolRead): boolean => TOOL_READS[r.tool] === r.args.join(' ');

/** Entering the namespace failed as for one deleted meanwhile: no file (ENOENT), or a file that is no namespace (EINVAL). */
export const nsGone = (e: unknown) => e instanceof SysError && /^open |^setns /.test(e.call) && (e.errno === 2 || e.errno === 22);

export class NetlinkSession {
  private sockets = new Map<string, NetlinkSocket>();
  private files: ReturnType<NetlinkSession['netnsFiles']> | undefined;
  /** `sockets`: where the namespaces' sockets come from when the caller keeps them (the writer's, for its read-backs). */
  constructor(private libc: Libc, private hooks: OpenHooks = {}, private given?: (ns: string) => NetlinkSocket) {}

  /** The namespace's socket; throws SysError (ENOENT: the namespace is gone). */
  socket(ns: string): NetlinkSocket {
    if (this.given) return this.given(ns);
    const s = this.sockets.get(ns) ?? openSocket(this.libc, ns === HOST ? undefined : ns, this.hooks);
    keepRecent(this.sockets, ns, s, (old) => old.close());
    return s;
  }

  /** The document of each of the reads' lines, by line, as `ip -json -d` prints it (see canRead). */
  read(ns: string, reads: IpRead[]): Map<string, unknown> {
    const sock = this.socket(ns);
    const lines = new Set(reads.map((r) => r.line));
    const out = new Map<string, unknown>();
    let links: RawLink[];
    try { links = dumpLinks(sock); } catch (e) { throw readError(ns, lines.has('addr show') ? 'addr show' : 'link show', e); }
    const byIndex = new Map(links.map((l) => [l.index, l]));
    const name = linkNames(links);
    for (const line of lines) {
      const doc = (): unknown => {
        if (line === 'addr show') return linkDocs(links, dumpAddrs(sock));
        if (line === 'link show') return linkDocs(links);
        if (line === 'link show dev lo') return linkDocs(links, undefined, 'lo');
        if (line === 'route show table all') return routeDocs(sock, name);
        if (line === 'netns list') return this.netnsListDocs(sock);
        if (line === 'neigh show nud permanent') return neighDocs(sock, name, (i) => byIndex.get(i)?.type ?? 1);
        if (line === 'rule show') return ruleDocs(sock);
        throw new Error(`netlink read: no decoder for ${JSON.stringify(line)}`);
      };
      try { out.set(line, doc()); } catch (e) { throw readError(ns, line, e); }
    }
    return out;
  }

  /**
   * A kind's tool read that netlink makes too (see canReadTool), as the tool prints it: `{ value }`, value undefined
   * when the tool would say there is nothing (the namespace is gone); undefined when the tool must make it (a qdisc
   * this engine doesn't decode). Throws as read() does.
   */
  toolRead(ns: string, r: ToolRead): { value: unknown } | undefined {
    const command = `${r.tool === 'ip6' ? 'ip -6' : r.tool} ${ns === HOST ? '' : `-n ${ns} `}${r.args.join(' ')}`;
    let sock: NetlinkSocket;
    try { sock = this.socket(ns); } catch (e) {
      if (r.tool === 'tc' && nsGone(e)) return { value: undefined };
      throw e;
    }
    try {
      if (r.tool === 'ip6') return { value: ruleDocs(sock, 6, true) };
      const tick = machineTick();
      if (tick === undefined) return undefined; // no /proc/net/psched to read: tc reads it
      const docs = qdiscDocs(sock, linkNames(dumpLinks(sock)), tick);
      return docs && { value: docs };
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      throw readError(ns, r.tool === 'ip6' ? 'rule show' : 'qdisc show', e, command);
    }
  }

  /**
   * A kind's `nft` read made by libnftables in-process (see nft.ts), answered as the command would; undefined when the
   * command must make it (libnftables not loadable here, files in /etc/netns/NS, options it doesn't run).
   */
  nftRead(ns: string, r: ToolRead): NftAnswer | undefined {
    const nft = r.tool === 'nft' ? inProcessNft(ns, r.args) : undefined;
    return nft && runNft(this.libc, nft.lib, ns, nft.script);
  }

  /**
   * `ip netns list`: every file of /run/netns in directory order, each with the nsid the socket's namespace knows its
   * namespace by, when it has one. ip asks the kernel file by file (N² requests when N namespaces each read theirs);
   * here the files of one namespace (same inode) are asked once, many to a datagram, and none when the namespace
   * knows no nsid at all (its list of nsids, a dump, is empty; that dump stops after its first buffer, which is why
   * it names nothing itself: see ip-reads.ts NSIDS).
   */
  private netnsListDocs(sock: NetlinkSocket): Doc[] {
    const { files, groups } = this.netnsFiles();
    const ids = new Map<NetnsGroup, number>();
    if (nsidList(sock).length) {
      for (let at = 0; at < groups.length; at += NSID_BATCH) {
        const batch = groups.slice(at, at + NSID_BATCH);
        nsidsOfPaths(sock, batch.map((g) => `${NETNS_DIR}/${g.name}`)).forEach((id, i) => ids.set(batch[i], id));
      }
    }
    return files.map(({ name, group }) => {
      const id = group && ids.get(group);
      return id !== undefined && id >= 0 ? { name, id } : { name };
    });
  }

  /**
   * The files of /run/netns in directory order, each with its namespace (device and inode; none when it is gone),
   * and those namespaces, each by its first file. No file is kept open: a lab of thousands of namespaces stays far
   * below the process's limit of open files.
   */
  private netnsFiles(): { files: { name: string; group?: NetnsGroup }[]; groups: NetnsGroup[] } {
    if (!this.files) {
      const byId = new Map<string, NetnsGroup>();
      let entries: string[] = [];
      try { entries = listDir(NETNS_DIR); } catch { /* none */ }
      const files = entries.map((name) => {
        let st;
        try { st = statSync(`${NETNS_DIR}/${name}`); } catch { return { name }; } // deleted meanwhile
        const k = `${st.dev}:${st.ino}`;
        if (!byId.has(k)) byId.set(k, { name, ino: st.ino, dev: st.dev });
        return { name, group: byId.get(k)! };
      });
      this.files = { files, groups: [...byId.values()] };
    }
    return this.files;
  }

  /** f() run inside namespace `ns` (see socket.ts inNamespace): e.g. reading its /proc/sys/net, which shows the reader's namespace. */
  inside<T>(ns: string, f: () => T): T {
    return inNamespace(this.libc, ns, f);
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.files = undefined;
  }
}

interface NetnsGroup { name: string; ino: number; dev: number }

/** Files of /run/netns asked their nsid in one datagram (see nsidsOfPaths): well within a socket's receive buffer. */
const NSID_BATCH = 64;

/**
 * The nsid the socket's namespace knows the namespace of each file by, asked in one datagram (-1: none, the file is
 * gone, or it is no namespace: `ip netns add` makes the file before it mounts the namespace on it, and `netns del`
 * unmounts it before the file goes, so another process's namespace can be half made or half deleted as we read; the
 * kernel then answers EINVAL, "Peer netns reference is invalid", and ip passes the file over too). The files are
 * open only while they are asked about.
 */
function nsidsOfPaths(sock: NetlinkSocket, paths: string[]): number[] {
  const fds = paths.map((p) => { try { return openSync(p, 'r'); } catch { return -1; } });
  try {
    const open = fds.filter((fd) => fd >= 0);
    const answers = open.length ? nsidsOfFds(sock, open) : [];
    let k = 0;
    return fds.map((fd) => {
      if (fd < 0) return -1;
      const a = answers[k++];
      if (!(a instanceof NetlinkError)) return a;
      if (a.errno === 22) return -1; // EINVAL
      throw a;
    });
  } finally {
    for (const fd of fds) if (fd >= 0) closeSync(fd);
  }
}

/** A directory's names in its own order, as ip reads them (readdirSync sorts them). */
export function listDir(path: string): string[] {
  const dir = opendirSync(path), names: string[] = [];
  try {
    for (let d = dir.readSync(); d; d = dir.readSync()) names.push(d.name);
  } finally { dir.closeSync(); }
  return names;
}

// The netlink engine's writes: an `ip` command of the plan carried out in-process as the rtnetlink request `ip` would
// send (ip-argv.ts reads the command, requests.ts builds the request; a tbf command of `tc`: tc-qdisc.ts), on a socket
// of the command's namespace, one request at a time, each acknowledged before the next. A refusal reads as the tool's
// own words for it ("RTNETLINK answers: File exists", "Error: <the kernel's message>.", `Cannot find device "X"`), so
// the step's error names the command as the plan prints it and the kernel's message, whichever engine ran it. Also
// here: sysctls (sysctl-write.ts) and nft scripts (nft.ts: libnftables), each as its command would answer.
import { closeSync, openSync, statSync } from 'node:fs';
import { HOST, type Cmd } from '../../model.js';
import { argsOf } from '../../core/commands.js';
import { encodeAttr, RTM, u32Attr } from './codec.js';
import type { Libc, NftLib } from './ffi.js';
import { type IpOp, readIpArgs } from './ip-argv.js';
import { type Lookups, type Request, requestOf } from './requests.js';
import { machineTick } from './qdiscs.js';
import { readTcArgs, tcRequestOf } from './tc-qdisc.js';
import { NETNS_DIR } from '../netns-identity.js';
import { keepRecent, NetlinkError, type NetlinkSocket, openSocket, SysError } from './socket.js';
import { writeSysctl } from './sysctl-write.js';
import { inProcessNft, type NftScript, runNft } from './nft.js';
import { canRead, NetlinkSession } from './reader.js';
import type { IpRead } from '../../core/live.js';
import { shapeRead } from '../ip-reads.js';
import type { ShapedRead } from '../live-shape.js';

const IFLA_IFNAME = 3, IFLA_EXT_MASK = 29, RTEXT_FILTER_SKIP_STATS = 0x8;
const ENODEV = 19;

/** Whether the command may delete an interface or move one to another namespace (a veth's other end goes with it). */
const removesLinks = (op: IpOp): boolean =>
  op.op === 'link-del' || op.op === 'link-del-group' || (op.op === 'link-set' && op.settings.netns !== undefined);

/** A command the kernel (or a lookup before it) refused: what `ip` would have printed, and its exit code (2: the kernel's answer). */
export class WriteRefused extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); }
}

/** What an `ip` (or `ip -6`) command asks, when the netlink engine can carry it out (else undefined: it runs through `ip`). */
export function netlinkOp(cmd: Cmd): IpOp | undefined {
  if (cmd.tool !== 'ip' && cmd.tool !== 'ip6') return undefined;
  return readIpArgs(argsOf(cmd), cmd.tool === 'ip6' ? 6 : undefined); // ARGS of ip [-6] [-n NS] ARGS
}

export class NetlinkWriter {
  /**
   * Sockets by namespace, with the identity (device, inode) of the namespace each was opened in and the indexes of
   * the interfaces named there so far (see run: a name is asked of the kernel once, not once per command).
   */
  private sockets = new Map<string, { sock: NetlinkSocket; id: string; indexes: Map<string, number> }>();
  /** Namespaces whose /run/netns file was checked since the last change made outside the writer (see changedOutside). */
  private checked = new Set<string>();
  constructor(private libc: Libc) {}

  /**
   * Carry out one command in namespace `ns` (HOST: topo's own). Throws WriteRefused with `ip`'s words when the
   * kernel refuses it, when a name it holds is not there, or when the namespace is gone.
   *
   * An interface's index, once asked, is kept for the namespace: indexes are not reused in a namespace (the kernel
   * hands them out in turn), and every command of the writer that deletes or moves an interface forgets them all.
   * One deleted by anything else (a veth whose other end went, a namespace deleted by a command the writer didn't
   * run) makes the kernel answer "No such device" to its old index: the names are then asked again, once.
   */
  run(ns: string, op: IpOp): void {
    this.send(ns, (look) => requestOf(op, look), removesLinks(op));
  }

  /**
   * The command as this writer carries it out in-process (an `ip` command, a tbf qdisc command of `tc`, a sysctl, an
   * nft script: see nft.ts), or undefined when it runs through its tool. Calling it carries the command out; a
   * refusal throws WriteRefused with the words of the tool it replaces.
   */
  operation(cmd: Cmd): (() => void) | undefined {
    const ip = netlinkOp(cmd);
    if (ip) return () => this.run(cmd.ns, ip);
    if (cmd.tool === 'sysctl') return () => this.sysctl(cmd.ns, cmd.args[0], cmd.input ?? '');
    if (cmd.tool === 'nft') {
      const nft = inProcessNft(cmd.ns, cmd.args, cmd.input);
      return nft && (() => this.nft(cmd.ns, nft.lib, nft.script));
    }
    const tc = cmd.tool === 'tc' ? readTcArgs(cmd.args) : undefined;
    const tick = tc && machineTick();
    return tc && tick ? () => this.send(cmd.ns, (look) => tcRequestOf(tc, look, tick), false) : undefined;
  }

  /** One request, built with the namespace's lookups (see run); `removes`: it may delete or move interfaces. */
  private send(ns: string, build: (look: Lookups) => Request, removes: boolean): void {
    const entry = this.socket(ns);
    const fds: number[] = [];
    let cached = false;
    const look: Lookups = {
      ifindex: (name) => {
        const known = entry.indexes.get(name);
        if (known !== undefined) { cached = true; return known; }
        const index = this.ifindex(entry.sock, name);
        entry.indexes.set(name, index);
        return index;
      },
      netnsFd: (name) => {
        try {
          const fd = openSync(`${NETNS_DIR}/${name}`, 'r');
          fds.push(fd);
          return fd;
        } catch {
          throw new WriteRefused(`Error: argument "${name}" is wrong: Invalid "netns" value`);
        }
      },
    };
    const send = () => {
      const r = build(look);
      entry.sock.change(r.type, r.flags, r.fixed, r.attrs);
    };
    try {
      try {
        send();
      } catch (e) {
        if (!(e instanceof NetlinkError && e.errno === ENODEV && cached)) throw e;
        entry.indexes.clear();
        cached = false;
        send();
      }
    } catch (e) {
      if (e instanceof NetlinkError) throw new WriteRefused(ipWords(e), 2);
      throw e;
    } finally {
      for (const fd of fds) closeSync(fd);
      if (removes) this.forgetIndexes();
    }
  }

  /**
   * Something other than the writer (a command run through its tool) may have changed the lab since: interfaces
   * deleted, namespaces deleted and made again under the same name. Indexes are asked again, namespaces checked again.
   */
  changedOutside(): void {
    this.forgetIndexes();
    this.checked.clear();
  }

  private forgetIndexes(): void {
    for (const { indexes } of this.sockets.values()) indexes.clear();
  }

  /**
   * Write sysctl `key` of namespace `ns` (`input`: the value, as the command's stdin) in-process, what
   * `ip netns exec NS tee /proc/sys/KEY` does. Throws WriteRefused with the words of the process it replaces.
   */
  private sysctl(ns: string, key: string, input: string): void {
    try {
      writeSysctl(this.libc, ns, key, input);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
      const text = this.libc.strerror(e.errno);
      if (e.call.startsWith('tee ')) throw new WriteRefused(`tee: ${e.call.slice(4)}: ${text}`, 1);
      throw new WriteRefused(`Cannot open network namespace "${ns}": ${text}`, 255);
    }
  }

  /** Run an nft script in namespace `ns` (see operation). Throws WriteRefused with nft's words, as the command's stderr. */
  private nft(ns: string, lib: NftLib, script: NftScript): void {
    const r = runNft(this.libc, lib, ns, script);
    if (r.exitCode !== 0) throw new WriteRefused(r.stderr.trimEnd() || `nft exited with status ${r.exitCode}`, r.exitCode);
  }

  /**
   * The namespace's socket. A namespace deleted and made again under the same name (between two stages, or by a
   * rollback) is another namespace: its file's identity is checked on first use after a change made outside the
   * writer (the writer itself never deletes or makes a namespace), and a new socket opened for it.
   */
  private socket(ns: string): { sock: NetlinkSocket; indexes: Map<string, number> } {
    const known = this.sockets.get(ns);
    if (known && this.checked.has(ns)) {
      keepRecent(this.sockets, ns, known, (old) => old.sock.close());
      return known;
    }
    let id = '';
    if (ns !== HOST) {
      try {
        const st = statSync(`${NETNS_DIR}/${ns}`);
        id = `${st.dev}:${st.ino}`;
      } catch (e) {
        throw new WriteRefused(`Cannot open network namespace "${ns}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      }
    }
    this.checked.add(ns);
    if (known && known.id === id) {
      keepRecent(this.sockets, ns, known, (old) => old.sock.close());
      return known;
    }
    known?.sock.close();
    this.sockets.delete(ns);
    try {
      const entry = { sock: openSocket(this.libc, ns === HOST ? undefined : ns), id, indexes: new Map<string, number>() };
      keepRecent(this.sockets, ns, entry, (old) => old.sock.close());
      return entry;
    } catch (e) {
      if (e instanceof SysError) throw new WriteRefused(`Cannot open network namespace "${ns}": ${this.libc.strerror(e.errno)}`);
      throw e;
    }
  }

  /** The index of interface `name` in the socket's namespace (RTM_GETLINK by name, without statistics). */
  private ifindex(sock: NetlinkSocket, name: string): number {
    const attrs = [encodeAttr(IFLA_IFNAME, Buffer.from(`${name}\0`, 'utf8')), u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)];
    try {
      const m = sock.request(RTM.GETLINK, Buffer.alloc(16), attrs);
      return m.payload.readInt32LE(4);
    } catch (e) {
      if (e instanceof NetlinkError) throw new WriteRefused(`Cannot find device "${name}"`);
      throw e;
    }
  }

  /**
   * The namespace's read, right after its last command (the executor's read-back, see io/run-grouped.ts): the
   * documents `ip -json -d` would print for these reads; undefined when netlink doesn't make one of them or the read
   * fails (verification then reads the namespace itself, and names the command if it fails again).
   */
  readBack(ns: string, reads: IpRead[]): ShapedRead | undefined {
    if (!canRead(reads)) return undefined;
    // On the writer's own socket of the namespace (not a second one); a session per read: /run/netns changes between stages.
    const session = new NetlinkSession(this.libc, {}, (n) => this.socket(n).sock);
    try {
      return shapeRead(reads, session.read(ns, reads));
    } catch {
      return undefined;
    } finally {
      session.close();
    }
  }

  close(): void {
    for (const { sock } of this.sockets.values()) sock.close();
    this.sockets.clear();
  }
}

/** What `ip` prints for a refused request: the kernel's own message when it sent one, else the errno's text. */
export function ipWords(e: NetlinkError): string {
  if (e.kernelMsg) return `Error: ${e.kernelMsg}${e.kernelMsg.endsWith('.') ? '' : '.'}`;
  return `RTNETLINK answers: ${e.text}`;
}

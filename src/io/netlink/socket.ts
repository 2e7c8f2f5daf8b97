// NETLINK_ROUTE sockets, one per namespace. A socket stays bound to the network namespace it was created in, so
// topo enters the namespace (setns), creates the socket and goes back, in one synchronous step: no await, no
// callback can run while the thread is in another namespace, and the way back is taken whatever failed on the way.
// The way back is the file of the namespace topo started in (/proc/thread-self/ns/net), opened once and kept.
import { AF_NETLINK, CLONE_NEWNET, type Libc, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, O_CLOEXEC, O_RDONLY,
  SOCK_CLOEXEC, SOCK_RAW, SOL_NETLINK } from './ffi.js';
import { encodeRequest, encodeRequests, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, type NlMsg, parseDone, parseError,
  parseMessages } from './codec.js';
import { NETNS_DIR } from '../netns-identity.js';

/** A failed call: which one, its errno and the text of it. */
export class SysError extends Error {
  constructor(readonly call: string, readonly errno: number, text: string) { super(`${call}: ${text}`); }
}

/** A dump the kernel answered with an error: its errno, its text, the kernel's extended-ack message. */
export class NetlinkError extends Error {
  constructor(readonly errno: number, readonly text: string, readonly kernelMsg?: string) { super(kernelMsg ? `${text} (${kernelMsg})` : text); }
}

/**
 * The one receive buffer of every socket (64 KiB, more than a dump datagram holds): reads are synchronous and each
 * datagram is copied out before the next recv, so sockets share it instead of allocating one each.
 */
const RECV = Buffer.alloc(1 << 16);

export interface OpenHooks {
  /** Called inside the namespace, before the socket is made (tests: a failure half way). */
  inside?: () => void;
}

/** Sockets a cache keeps open at most (see keepRecent). */
export const MAX_OPEN_SOCKETS = 256;

/**
 * Remember `v` under `key` as the most recently used, closing the least recently used beyond MAX_OPEN_SOCKETS: a lab
 * of thousands of namespaces stays far below the process's limit of open files (1024 where the hard limit is).
 */
export function keepRecent<V>(m: Map<string, V>, key: string, v: V, close: (v: V) => void): void {
  m.delete(key);
  m.set(key, v);
  for (const [k, old] of m) {
    if (m.size <= MAX_OPEN_SOCKETS) break;
    m.delete(k);
    close(old);
  }
}

/** A file of the namespace topo runs in, to come back to; opened once. */
let home: number | undefined;

export function homeFd(libc: Libc): number {
  if (home === undefined) {
    const fd = libc.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw sysError(libc, 'open /proc/thread-self/ns/net');
    home = fd;
  }
  return home;
}

const sysError = (libc: Libc, call: string) => { const e = libc.errno(); return new SysError(call, e, libc.strerror(e)); };

/**
 * f() run with the thread in namespace `ns` (a name in /run/netns), synchronously: f must not await. Throws SysError
 * (open: ENOENT when the namespace is gone; setns: EINVAL when the file is no namespace). The thread is back in its
 * own namespace when this returns or throws; if it can't get back, the process exits at once rather than go on in
 * another namespace.
 */
export function inNamespace<T>(libc: Libc, ns: string, f: () => T): T {
  const back = homeFd(libc);
  const path = `${NETNS_DIR}/${ns}`;
  const nsFd = libc.open(path, O_RDONLY | O_CLOEXEC);
  if (nsFd < 0) throw sysError(libc, `open ${path}`);
  try {
    if (libc.setns(nsFd, CLONE_NEWNET) !== 0) throw sysError(libc, `setns ${path}`);
    try {
      return f();
    } finally {
      if (libc.setns(back, CLONE_NEWNET) !== 0) {
        process.stderr.write(`topo: could not return to its own network namespace after entering ${path}: ${libc.strerror(libc.errno())}\n`);
        process.exit(70);
      }
    }
  } finally {
    libc.close(nsFd);
  }
}

/** A netlink socket in namespace `ns` (undefined: topo's own namespace), made by inNamespace. */
export function openSocket(libc: Libc, ns: string | undefined, hooks: OpenHooks = {}): NetlinkSocket {
  if (ns === undefined) return new NetlinkSocket(libc, makeSocket(libc));
  return new NetlinkSocket(libc, inNamespace(libc, ns, () => { hooks.inside?.(); return makeSocket(libc); }));
}

function makeSocket(libc: Libc): number {
  const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw sysError(libc, 'socket(AF_NETLINK)');
  const one = Buffer.alloc(4);
  one.writeUInt32LE(1);
  // Errors with the kernel's own words; dump requests checked strictly (as `ip` asks). Both best effort: old kernels.
  libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
  libc.setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, one, 4);
  return fd;
}

export class NetlinkSocket {
  private seq = 0;
  constructor(private libc: Libc, readonly fd: number) {}

  /**
   * A dump: the request sent, then every message of its answer read until NLMSG_DONE (synchronously: the kernel
   * answers a dump at once). The messages of the given type are returned; an NLMSG_ERROR, or a DONE carrying an
   * error, throws NetlinkError. One dump at a time per socket: the kernel refuses a second dump (EBUSY) while the
   * first is still being read.
   */
  dump(type: number, fixed: Buffer, attrs: Buffer[] = []): NlMsg[] {
    const seq = ++this.seq;
    const req = encodeRequest(type, NLM_F_REQUEST | NLM_F_DUMP, seq, fixed, attrs);
    this.sendAll(req);
    const out: NlMsg[] = [];
    for (;;) {
      for (const m of this.receive()) {
        if (m.seq !== seq) continue; // an answer to an earlier request, cut short
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          if (e.errno === 0) continue;
          throw new NetlinkError(e.errno, this.libc.strerror(e.errno), e.msg);
        }
        if (m.type === NLMSG_DONE) {
          const d = parseDone(m);
          if (d.errno > 0) throw new NetlinkError(d.errno, this.libc.strerror(d.errno), d.msg);
          return out;
        }
        out.push(m);
        if (!(m.flags & NLM_F_MULTI)) return out;
      }
    }
  }

  /** One request whose answer is one message (or an error): e.g. RTM_GETNSID for one namespace's file. */
  request(type: number, fixed: Buffer, attrs: Buffer[] = []): NlMsg {
    const seq = ++this.seq;
    this.sendAll(encodeRequest(type, NLM_F_REQUEST, seq, fixed, attrs));
    for (;;) {
      for (const m of this.receive()) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          throw new NetlinkError(e.errno, this.libc.strerror(e.errno), e.msg);
        }
        return m;
      }
    }
  }

  /**
   * Requests of one type (their bodies: fixed part and attributes, encoded) whose answers are one message each (or an
   * error), sent in one datagram and answered in order: e.g. RTM_GETNSID for many namespaces' files. The kernel goes
   * on with the next request of a datagram after one it refuses, so each answer is the message or the NetlinkError
   * of its own request. Keep a batch well within the socket's receive buffer (each answer queues as a buffer of its
   * own, ~1 KiB): answers beyond it are dropped.
   */
  requestAll(type: number, bodies: Buffer[]): (NlMsg | NetlinkError)[] {
    const first = this.seq + 1;
    this.seq += bodies.length;
    this.sendAll(encodeRequests(type, NLM_F_REQUEST, first, bodies));
    const out: (NlMsg | NetlinkError)[] = new Array(bodies.length);
    for (let left = bodies.length; left > 0;) {
      for (const m of this.receive()) {
        const i = m.seq - first;
        if (i < 0 || i >= bodies.length || out[i] !== undefined) continue; // an answer to an earlier request, cut short
        const e = m.type === NLMSG_ERROR ? parseError(m) : undefined;
        out[i] = e ? new NetlinkError(e.errno, this.libc.strerror(e.errno), e.msg) : m;
        left--;
      }
    }
    return out;
  }

  /**
   * A change (an RTM_NEW or RTM_DEL message with NLM_F_ACK): sent, then its answer read, synchronously. Returns when the kernel
   * acknowledged it; throws NetlinkError with the kernel's errno and extended-ack message when it refused it. One
   * request at a time: a request the kernel refuses must stop the ones after it (the kernel would go on with the next
   * message of a datagram).
   */
  change(type: number, flags: number, fixed: Buffer, attrs: Buffer[]): void {
    const seq = ++this.seq;
    this.sendAll(encodeRequest(type, NLM_F_REQUEST | flags, seq, fixed, attrs));
    for (;;) {
      for (const m of this.receive()) {
        if (m.seq !== seq || m.type !== NLMSG_ERROR) continue;
        const e = parseError(m);
        if (e.errno === 0) return;
        throw new NetlinkError(e.errno, this.libc.strerror(e.errno), e.msg);
      }
    }
  }

  private sendAll(req: Buffer): void {
    const n = Number(this.libc.send(this.fd, req, req.length, 0));
    if (n !== req.length) throw sysError(this.libc, 'send(netlink)');
  }

  private receive(): NlMsg[] {
    for (;;) {
      const n = Number(this.libc.recv(this.fd, RECV, RECV.length, 0));
      if (n >= 0) return parseMessages(Buffer.from(RECV.subarray(0, n))); // a copy: the buffer is read into again
      if (this.libc.errno() !== 4) throw sysError(this.libc, 'recv(netlink)'); // 4: EINTR, again
    }
  }

  close(): void { this.libc.close(this.fd); }
}

// Writing one sysctl of one namespace in-process: what `ip netns exec NS tee /proc/sys/KEY` does with the value on
// its stdin (topo's 'sysctl' command, core/commands.ts argvOf), without the process. /proc/sys/net shows the network
// namespace of the thread that opens the file, and the open file stays that namespace's: so the file is opened with
// the thread inside the namespace (inNamespace: synchronous, the thread back in its own namespace whatever happens;
// Node's sync fs calls run on the calling thread), then written and closed after coming back.
// Measured (bench/netns-create.mjs, in a sandbox on a loaded 2-CPU machine): 2 keys in each of 300 namespaces in
// 43-74 ms, against 2.4-4.0 s for a `tee` process per key; of 1000 namespaces, 0.38-0.94 s against 13-36 s.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { sysctlPath } from '../../core/commands.js';
import { HOST } from '../../model.js';
import type { Libc } from './ffi.js';
import { inNamespace, SysError } from './socket.js';

/**
 * Write `input` (the value as the command's stdin: "1\n") to sysctl `key` (net.ipv4.ip_forward) of namespace `ns`
 * (a name in /run/netns, or HOST: the namespace topo runs in). Synchronous. Throws SysError: named `tee PATH` when the
 * file can't be opened or written (ENOENT: no such sysctl; EINVAL: a value the kernel refuses), `ip netns exec NS`
 * when the namespace can't be entered (ENOENT: no such namespace); `errno` is the kernel's, the message its text.
 */
export function writeSysctl(libc: Libc, ns: string, key: string, input: string): void {
  const path = sysctlPath(key);
  const open = () => {
    try {
      return openSync(path, constants.O_WRONLY); // no O_CREAT (a missing key is ENOENT); libuv adds O_CLOEXEC
    } catch (e) {
      throw fsError(libc, `tee ${path}`, e);
    }
  };
  let fd: number;
  if (ns === HOST) fd = open();
  else {
    try {
      fd = inNamespace(libc, ns, open);
    } catch (e) {
      // inNamespace's own failures (open or setns of /run/netns/NS) are the namespace's, not the file's.
      if (e instanceof SysError && !e.call.startsWith('tee ')) throw new SysError(`ip netns exec ${ns}`, e.errno, libc.strerror(e.errno));
      throw e;
    }
  }
  try {
    const buf = Buffer.from(input);
    // As tee does: the whole input, however many writes it takes (a sysctl takes a short value in one).
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    throw fsError(libc, `tee ${path}`, e);
  } finally {
    closeSync(fd);
  }
}

/** A Node fs error as SysError: its errno (Node's is negative) and libc's text of it, as tee prints. */
function fsError(libc: Libc, call: string, e: unknown): Error {
  const errno = -((e as NodeJS.ErrnoException).errno ?? 0);
  return errno > 0 ? new SysError(call, errno, libc.strerror(errno)) : (e as Error);
}

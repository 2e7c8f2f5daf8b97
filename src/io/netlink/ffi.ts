// The few libc calls the netlink engine makes, through koffi (an FFI library with prebuilt binaries: no compiler
// at install time). koffi is an optional dependency: where it can't load (another architecture, an install without
// optional packages), loadLibc() says why and topo reads through `ip` processes instead (see engine.ts).
import { createRequire } from 'node:module';

/** The libc functions used: file descriptors, setns(2), netlink sockets, flock(2), errno and its text. */
export interface Libc {
  open(path: string, flags: number): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  /** flock(2) on an open file description (io/lock.ts). */
  flock(fd: number, op: number): number;
  /** errno of the last call that failed. */
  errno(): number;
  /** strerror(3): the text `ip` prints for an errno ("File exists"). */
  strerror(errno: number): string;
}

export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_ROUTE = 0;
export const SOL_NETLINK = 270;
export const MFD_CLOEXEC = 1;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const LOCK_EX = 2;
export const LOCK_NB = 4;

/** What topo uses of koffi's API (its own types are not imported: the package may be absent). */
interface Koffi {
  load(path: string): { func(decl: string): (...args: unknown[]) => unknown };
  errno(): number;
}

let cached: Libc | string | undefined;

/** koffi (required once: Node caches the module) and the libraries loaded through it, by name. */
const koffi = () => createRequire(import.meta.url)('koffi') as Koffi;
const libraries = new Map<string, ReturnType<Koffi['load']>>();
function library(name: string): ReturnType<Koffi['load']> {
  let lib = libraries.get(name);
  if (!lib) libraries.set(name, lib = koffi().load(name));
  return lib;
}

/** libc through koffi, loaded once; or why it can't be (the text says what failed). */
export function loadLibc(): Libc | string {
  if (cached !== undefined) return cached;
  try {
    const lib = library('libc.so.6');
    const strerror = lib.func('const char *strerror(int)');
    cached = {
      open: lib.func('int open(const char *, int)'),
      close: lib.func('int close(int)'),
      setns: lib.func('int setns(int, int)'),
      socket: lib.func('int socket(int, int, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)'),
      send: lib.func('intptr_t send(int, void *, size_t, int)'),
      recv: lib.func('intptr_t recv(int, void *, size_t, int)'),
      flock: lib.func('int flock(int, int)'),
      errno: () => koffi().errno(),
      strerror: (e: number) => String(strerror(e)),
    } as Libc;
  } catch (e) {
    cached = `koffi could not be loaded (${(e as Error).message.split('\n')[0]})`;
  }
  return cached;
}

/** The libnftables calls topo makes (see nft.ts): a context, its output and errors kept in buffers, a script run. */
export interface NftLib {
  ctxNew(flags: number): unknown;
  ctxFree(ctx: unknown): void;
  bufferOutput(ctx: unknown): number;
  bufferError(ctx: unknown): number;
  setOutputFlags(ctx: unknown, flags: number): void;
  outputBuffer(ctx: unknown): string;
  errorBuffer(ctx: unknown): string;
  runFromBuffer(ctx: unknown, text: string): number;
  runFromFile(ctx: unknown, path: string): number;
  /** memfd_create(2) with MFD_CLOEXEC (from libc): a file in memory for a script, named in nft's errors as a file is. */
  memfd(name: string): number;
}

let nftCached: NftLib | string | undefined;

/** libnftables (from the Debian package libnftables1, which nftables depends on), loaded once; or why it can't be. */
export function loadNftLib(): NftLib | string {
  if (nftCached !== undefined) return nftCached;
  try {
    const lib = library('libnftables.so.1');
    const text = (f: (ctx: unknown) => unknown) => (ctx: unknown) => String(f(ctx) ?? '');
    nftCached = {
      ctxNew: lib.func('void *nft_ctx_new(uint32_t)'),
      ctxFree: lib.func('void nft_ctx_free(void *)'),
      bufferOutput: lib.func('int nft_ctx_buffer_output(void *)'),
      bufferError: lib.func('int nft_ctx_buffer_error(void *)'),
      setOutputFlags: lib.func('void nft_ctx_output_set_flags(void *, uint32_t)'),
      outputBuffer: text(lib.func('const char *nft_ctx_get_output_buffer(void *)')),
      errorBuffer: text(lib.func('const char *nft_ctx_get_error_buffer(void *)')),
      runFromBuffer: lib.func('int nft_run_cmd_from_buffer(void *, const char *)'),
      runFromFile: lib.func('int nft_run_cmd_from_filename(void *, const char *)'),
      memfd: ((f) => (name: string) => f(name, MFD_CLOEXEC) as number)(library('libc.so.6').func('int memfd_create(const char *, unsigned int)')),
    } as NftLib;
  } catch (e) {
    nftCached = `libnftables could not be loaded (${(e as Error).message.split('\n')[0]})`;
  }
  return nftCached;
}

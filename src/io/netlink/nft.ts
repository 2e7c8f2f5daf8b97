// nftables in-process: libnftables, the library the `nft` command is made of, called through koffi with the thread
// inside the namespace (socket.ts inNamespace: synchronous, back in its own namespace whatever happens). Its context
// is made, used and freed there, so every netlink socket it opens, and any it opens again, is that namespace's.
// What `ip netns exec NS nft ARGS` does, without its two processes (~10 ms each here): a table's read ~0.3 ms, a
// table made ~5 ms against ~17 ms (measured in a sandbox on the 2-CPU machine; the kernel's own commit is the rest).
// The same script text, the same JSON out, the same error text (nft's "Error: ..." with its place, the line and a
// caret: a script is run as a file, see scriptFile).
// Not taken here (the command runs as a process, as before): a namespace with files in /etc/netns/NS (`ip netns exec`
// shows them to nft as /etc: the names a rule resolves), a command with options other than -f - and -j, and any
// machine where libnftables can't be loaded.
import { closeSync, existsSync, writeFileSync } from 'node:fs';
import { HOST } from '../../model.js';
import { type Libc, loadNftLib, type NftLib } from './ffi.js';
import { inNamespace, SysError } from './socket.js';

/** NFT_CTX_OUTPUT_JSON of libnftables' nft_output_flags: what `nft -j` sets. */
const OUTPUT_JSON = 1 << 4;

/**
 * What an nft command line (or read) asks: the script text libnftables runs, whether it prints JSON, and whether it is
 * a script read as a file (`-f -`) rather than a command given in words.
 */
export interface NftScript { text: string; json: boolean; file?: boolean }

/**
 * The script of `nft ARGS` (stdin: `input`), when it is one libnftables runs as the command would: `-f -` (the
 * script on stdin), `-j` followed by a command (`-j list table inet t`), or a command alone (`delete table inet t`,
 * which nft joins with spaces as here). Else undefined: other options, or a file, go to the command.
 */
export function nftScript(args: string[], input?: string): NftScript | undefined {
  if (args.length === 2 && args[0] === '-f' && args[1] === '-') return input === undefined ? undefined : { text: input, json: false, file: true };
  const json = args[0] === '-j';
  const words = json ? args.slice(1) : args;
  if (!words.length || words.some((w) => w.startsWith('-'))) return undefined;
  return { text: words.join(' '), json };
}

/** What the command would have answered: its exit status, its output, its error text. */
export interface NftAnswer { exitCode: number; stdout: string; stderr: string }

/**
 * `nft ARGS` in namespace `ns` as libnftables and the script it runs, when it runs in-process (see above); undefined
 * when the command must: libnftables not loadable here, files in /etc/netns/NS, options it doesn't run.
 */
export function inProcessNft(ns: string, args: string[], input?: string): { lib: NftLib; script: NftScript } | undefined {
  const script = nftScript(args, input);
  const lib = script && loadNftLib();
  if (!script || typeof lib !== 'object' || (ns !== HOST && existsSync(`/etc/netns/${ns}`))) return undefined;
  return { lib, script };
}

/**
 * Run the script in namespace `ns` (a name in /run/netns, or HOST: topo's own namespace), synchronously, and answer
 * as `ip netns exec NS nft ...` would: exit status 1 and nft's error text when nft refuses the script, 255 and ip's
 * words when the namespace can't be entered (gone, or its file is no namespace).
 */
export function runNft(libc: Libc, lib: NftLib, ns: string, script: NftScript): NftAnswer {
  const run = (): NftAnswer => {
    const ctx = lib.ctxNew(0);
    if (!ctx) throw new Error('libnftables: nft_ctx_new failed');
    try {
      lib.bufferOutput(ctx);
      lib.bufferError(ctx);
      if (script.json) lib.setOutputFlags(ctx, OUTPUT_JSON);
      const rc = file === undefined ? lib.runFromBuffer(ctx, script.text) : lib.runFromFile(ctx, file.path);
      const stderr = lib.errorBuffer(ctx);
      return { exitCode: rc === 0 ? 0 : 1, stdout: lib.outputBuffer(ctx), stderr: file ? stderr.split(`${file.path}:`).join('/dev/stdin:') : stderr };
    } finally {
      lib.ctxFree(ctx);
    }
  };
  const file = script.file ? scriptFile(lib, script.text) : undefined;
  try {
    return ns === HOST ? run() : inNamespace(libc, ns, run);
  } catch (e) {
    if (!(e instanceof SysError)) throw e;
    const text = libc.strerror(e.errno);
    const said = e.call.startsWith('setns ') ? `setting the network namespace "${ns}" failed: ${text}` : `Cannot open network namespace "${ns}": ${text}`;
    return { exitCode: 255, stdout: '', stderr: `${said}\n` };
  } finally {
    if (file) closeSync(file.fd);
  }
}

/**
 * A script run as the file the command reads (`nft -f -`: /dev/stdin): its errors then show the line each one is on
 * (a buffer of several lines shows its first line for all of them, libnftables 1.0.6) and where, and are given the
 * command's name for its input. The file is in memory (memfd), named by its /proc/self/fd path.
 */
function scriptFile(lib: NftLib, text: string): { fd: number; path: string } {
  const fd = lib.memfd('topo-nft');
  if (fd < 0) throw new Error('memfd_create failed');
  try {
    writeFileSync(fd, text);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { fd, path: `/proc/self/fd/${fd}` };
}

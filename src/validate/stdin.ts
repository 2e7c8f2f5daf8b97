// Reading a topology file's bytes, never more than MAX_BYTES (a FILE may be /dev/zero or a pipe), and `-` as FILE:
// the topology read from standard input (how the fan-out hands a host its file over ssh, see src/remote/).
// Standard input can be read once only: its bytes are kept for the process, so every part of a command that reads
// "the file" (validation, destroy's view of the lab, the state record's copy) reads the same text.
import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_BYTES } from './decode.js';

/** The FILE argument that means standard input. */
export const STDIN = '-';
/** The name messages give a file read from standard input ("<stdin>:3:5: error: ..."). */
export const STDIN_NAME = '<stdin>';

/** How messages name `file`. */
export const sourceName = (file: string): string => (file === STDIN ? STDIN_NAME : file);

let read: Promise<Buffer | undefined> | undefined;
let bytes: Buffer | undefined;

/** Standard input's bytes, read to its end once (undefined: more than MAX_BYTES). */
export function readStdin(): Promise<Buffer | undefined> {
  read ??= (async () => {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of process.stdin) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
      total += b.length;
      if (total > MAX_BYTES) return undefined;
      chunks.push(b);
    }
    bytes = Buffer.concat(chunks, total);
    return bytes;
  })();
  return read;
}

/** The text read from standard input so far by readStdin (undefined when it wasn't, or was over the cap). */
export const stdinBytes = (): Buffer | undefined => bytes;

/** A file's bytes, or standard input's for `-` (over the cap: a RangeError). */
export async function readSource(file: string): Promise<Buffer> {
  const b = file === STDIN ? await readStdin() : await readCapped(file);
  if (b === undefined) throw new RangeError(`${sourceName(file)} is larger than ${MAX_BYTES} bytes`);
  return b;
}

/**
 * The file's bytes, read in chunks so that a pipe or a device can't make us read without end (undefined: over the
 * cap). Read synchronously: nothing else runs while topo reads its file, and Node's thread pool, which the first
 * asynchronous file operation starts, costs more than the read (1 to 40 ms, more on a loaded machine).
 */
export async function readCapped(file: string): Promise<Buffer | undefined> {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const bytesRead = readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      total += bytesRead;
      if (total > MAX_BYTES) return undefined;
      chunks.push(buf.subarray(0, bytesRead));
    }
  } finally {
    closeSync(fd);
  }
}

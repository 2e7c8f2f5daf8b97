// File operations (Cmd tool 'file') and reads (ToolRead tool 'file'), done by topo itself in the namespace it runs
// in: no process, no shell. What a kind owns as a file it marks by the file's first line (its `mark`); a write or a
// removal checks that mark on the file it finds as it runs, so a file someone put there after the plan was read is
// refused, never overwritten or deleted. A write is atomic: a temporary file in the same directory, written, synced
// and renamed over the path, so a reader (or `ip netns exec`, which bind-mounts the file) sees the old content or
// the new, never half of it. Symbolic links are never followed: one at a path is something else, not a file.
//   write  PATH MARK   input → PATH, mode 0644; PATH absent, or a file whose first line is MARK
//   remove PATH MARK   unlink PATH when its first line is MARK; nothing there is done already
//   mkdir  PATH        one directory, mode 0755 (its parent must exist; one already there is an error)
//   rmdir  PATH        one empty directory; nothing there is done already
import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import type { FileRead } from '../core/live.js';
import type { Cmd } from '../model.js';
import type { RunResult } from './runner.js';

/** How much of a file a read returns (the files topo writes are far smaller). */
export const FILE_READ_MAX = 1 << 20;

/** The first line of a text (without its newline). */
export const firstLine = (text: string): string => text.slice(0, (text.indexOf('\n') + 1 || text.length + 1) - 1);

/**
 * What is at `path` (see FileRead); undefined when nothing is. Errors other than "not there" are thrown. Read with
 * synchronous calls (local files, a few microseconds each): a destroy reads three paths per namespace, and the
 * thread pool's round trip per call cost more than the reads.
 */
export async function readFileTool(path: string): Promise<FileRead | undefined> {
  checkPath(path);
  let st;
  try { st = lstatSync(path, { throwIfNoEntry: false }); } catch (e) { // without an error made for a path that isn't there: most aren't
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  if (!st) return undefined;
  if (st.isDirectory()) return { type: 'dir', entries: readdirSync(path).sort() };
  if (!st.isFile()) return { type: 'other' };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, FILE_READ_MAX));
    const bytesRead = readSync(fd, buf, 0, buf.length, 0);
    return { type: 'file', content: buf.subarray(0, bytesRead).toString('utf8'), size: st.size };
  } finally { closeSync(fd); }
}

/** Runs one file operation; its failure is a result (exit 1, the reason on stderr), like a command's. */
export async function runFileCmd(cmd: Cmd): Promise<RunResult> {
  const [op, path, mark] = cmd.args;
  try {
    checkPath(path);
    switch (op) {
      case 'write': await writeMarked(path, cmd.input ?? '', mark); break;
      case 'remove': await removeMarked(path, mark); break;
      case 'mkdir': await mkdir(path, { mode: 0o755 }); break;
      case 'rmdir': await rmdir(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; }); break;
      default: throw new Error(`unknown file operation ${JSON.stringify(op)}`);
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  } catch (e) {
    return { stdout: '', stderr: `${(e as Error).message}\n`, exitCode: 1 };
  }
}

function checkPath(path: string | undefined): asserts path is string {
  if (!path || !isAbsolute(path) || normalize(path) !== path || path.endsWith('/')) throw new Error(`not an absolute, normalised path: ${JSON.stringify(path)}`);
}

/** Why the thing at `path` is not the owner's (undefined: it is, or nothing is there). */
async function notMarked(path: string, mark: string | undefined): Promise<string | undefined> {
  if (!mark) return 'no owner\'s mark given';
  const cur = await readFileTool(path);
  if (!cur) return undefined;
  if (cur.type !== 'file') return `${path} is not a regular file`;
  return firstLine(cur.content) === mark ? undefined : `${path} was not written by its owner (its first line is not "${mark}"): left as it is`;
}

async function writeMarked(path: string, content: string, mark: string | undefined): Promise<void> {
  const why = await notMarked(path, mark);
  if (why) throw new Error(why);
  if (firstLine(content) !== mark) throw new Error(`refusing to write ${path} without its owner's mark as its first line`);
  const tmp = `${dirname(path)}/.${basename(path)}.topo-${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(content);
      await fh.chmod(0o644); // whatever the umask
      await fh.sync();
    } finally { await fh.close(); }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

async function removeMarked(path: string, mark: string | undefined): Promise<void> {
  const why = await notMarked(path, mark);
  if (why) throw new Error(why);
  await unlink(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
}

// The 'file' tool (io/file-tool.ts): operations topo does itself, checked on a scratch directory (root-free): an
// atomic write of mode 0644 that refuses a file without the owner's mark, a removal that does the same, one
// directory made and removed, reads that never follow a symbolic link; and a plan's file command run by the
// executor without starting any process.
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argvOf } from '../../src/core/commands.js';
import { firstLine, readFileTool, runFileCmd } from '../../src/io/file-tool.js';
import { runSegment, type Item } from '../../src/io/run-step-cmds.js';
import type { Cmd, Step } from '../../src/model.js';

const MARK = '# managed by topo lab t; edits are replaced';
let dir: string;
beforeEach(async () => { dir = await mkdtemp(`${tmpdir()}/topo-file-tool-`); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const cmd = (args: string[], input?: string): Cmd => ({ ns: 'host', tool: 'file', args, ...(input !== undefined ? { input } : {}) });

describe('file tool', () => {
  it('writes a new file, mode 0644, atomically (no temporary file left)', async () => {
    const r = await runFileCmd(cmd(['write', `${dir}/hosts`, MARK], `${MARK}\n1.2.3.4 a\n`));
    expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(await readFile(`${dir}/hosts`, 'utf8')).toBe(`${MARK}\n1.2.3.4 a\n`);
    expect((await stat(`${dir}/hosts`)).mode & 0o777).toBe(0o644);
    expect(await readFileTool(dir)).toEqual({ type: 'dir', entries: ['hosts'] });
  });

  it('replaces its own file, refuses one without its mark (left as it was) and content without the mark', async () => {
    await writeFile(`${dir}/hosts`, `${MARK}\nold\n`);
    expect((await runFileCmd(cmd(['write', `${dir}/hosts`, MARK], `${MARK}\nnew\n`))).exitCode).toBe(0);
    expect(await readFile(`${dir}/hosts`, 'utf8')).toBe(`${MARK}\nnew\n`);
    await writeFile(`${dir}/resolv.conf`, 'nameserver 9.9.9.9\n');
    const r = await runFileCmd(cmd(['write', `${dir}/resolv.conf`, MARK], `${MARK}\nnameserver 1.1.1.1\n`));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/was not written by its owner .*left as it is/);
    expect(await readFile(`${dir}/resolv.conf`, 'utf8')).toBe('nameserver 9.9.9.9\n');
    expect((await runFileCmd(cmd(['write', `${dir}/x`, MARK], 'no mark\n'))).stderr).toMatch(/without its owner's mark/);
  });

  it('removes its own file only; nothing there is done already', async () => {
    await writeFile(`${dir}/hosts`, `${MARK}\n`);
    await writeFile(`${dir}/other`, 'mine\n');
    expect((await runFileCmd(cmd(['remove', `${dir}/hosts`, MARK]))).exitCode).toBe(0);
    expect(await readFileTool(`${dir}/hosts`)).toBeUndefined();
    expect((await runFileCmd(cmd(['remove', `${dir}/hosts`, MARK]))).exitCode).toBe(0);
    expect((await runFileCmd(cmd(['remove', `${dir}/other`, MARK]))).exitCode).toBe(1);
    expect(await readFile(`${dir}/other`, 'utf8')).toBe('mine\n');
  });

  it('makes and removes one directory; a non-empty one stays (an error)', async () => {
    expect((await runFileCmd(cmd(['mkdir', `${dir}/a`]))).exitCode).toBe(0);
    expect((await stat(`${dir}/a`)).mode & 0o777).toBe(0o755);
    expect((await runFileCmd(cmd(['mkdir', `${dir}/a`]))).stderr).toMatch(/EEXIST/);
    expect((await runFileCmd(cmd(['mkdir', `${dir}/b/c`]))).stderr).toMatch(/ENOENT/);
    await writeFile(`${dir}/a/f`, '');
    expect((await runFileCmd(cmd(['rmdir', `${dir}/a`]))).stderr).toMatch(/ENOTEMPTY/);
    await rm(`${dir}/a/f`);
    expect((await runFileCmd(cmd(['rmdir', `${dir}/a`]))).exitCode).toBe(0);
    expect((await runFileCmd(cmd(['rmdir', `${dir}/a`]))).exitCode).toBe(0);
  });

  it('never follows a symbolic link; refuses relative or unnormalised paths', async () => {
    await writeFile(`${dir}/target`, `${MARK}\n`);
    await symlink(`${dir}/target`, `${dir}/link`);
    expect(await readFileTool(`${dir}/link`)).toEqual({ type: 'other' });
    expect((await runFileCmd(cmd(['write', `${dir}/link`, MARK], `${MARK}\n`))).stderr).toMatch(/not a regular file/);
    expect((await runFileCmd(cmd(['remove', `${dir}/link`, MARK]))).exitCode).toBe(1);
    expect(await readFile(`${dir}/target`, 'utf8')).toBe(`${MARK}\n`);
    for (const p of ['rel/x', `${dir}/../x`, `${dir}/`]) expect((await runFileCmd(cmd(['mkdir', p]))).stderr).toMatch(/not an absolute, normalised path/);
  });

  it('reads a file (content, size) and nothing', async () => {
    await writeFile(`${dir}/f`, 'a\nb');
    expect(await readFileTool(`${dir}/f`)).toEqual({ type: 'file', content: 'a\nb', size: 3 });
    expect(await readFileTool(`${dir}/none`)).toBeUndefined();
    expect(await readFileTool(`${dir}/f/under`)).toBeUndefined();
    expect(firstLine('a\nb')).toBe('a');
    expect(firstLine('only')).toBe('only');
  });

  it('as a script would run it (plan --commands, --format sh)', () => {
    expect(argvOf(cmd(['write', '/etc/netns/a/hosts', MARK], 'x'))).toEqual(['install', '-m', '0644', '/dev/stdin', '/etc/netns/a/hosts']);
    expect(argvOf(cmd(['remove', '/etc/netns/a/hosts', MARK]))).toEqual(['rm', '-f', '/etc/netns/a/hosts']);
    expect(argvOf(cmd(['mkdir', '/etc/netns/a']))).toEqual(['mkdir', '-m', '0755', '/etc/netns/a']);
    expect(argvOf(cmd(['rmdir', '/etc/netns/a']))).toEqual(['rmdir', '/etc/netns/a']);
  });

  it('the executor runs a file command itself: no process started', async () => {
    const started: string[][] = [];
    const run = async (argv: string[]) => { started.push(argv); return { stdout: '', stderr: '', exitCode: 0 }; };
    const step = { label: 'file hosts' } as Step;
    const item: Item = { step, cmd: cmd(['write', `${dir}/hosts`, MARK], `${MARK}\n`) };
    expect((await runSegment(run, [item])).done).toEqual([item]);
    expect(started).toEqual([]);
    const bad: Item = { step, cmd: cmd(['mkdir', `${dir}/no/such`]) };
    const r = await runSegment(run, [bad]);
    expect(r.failed?.error.message).toMatch(/mkdir -m 0755 .*no\/such.*ENOENT/s);
  });
});

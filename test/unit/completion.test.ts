// What `topo __complete` offers, decided from the real command line definition (program.ts) and a lab file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../../src/cli/program.js';
import { complete, completionLines, labNames, type Completion } from '../../src/cli/completion.js';
import { scratchDir } from '../helpers/scratch.js';
import { example } from '../helpers/sandbox.js';

const LAB = example('web-server.yaml');
const words = (c: Completion) => (typeof c === 'string' ? c : c.map((x) => x.word));
const at = (...w: string[]) => complete(program, w, labNames).then(words);

describe('topo __complete', () => {
  it('offers the commands, with their descriptions, and filters by what is typed', async () => {
    const all = await complete(program, [''], labNames);
    expect(words(all)).toEqual(expect.arrayContaining(['apply', 'destroy', 'exec', 'sandbox', 'completion']));
    expect(typeof all !== 'string' && all.find((c) => c.word === 'apply')?.description).toMatch(/make the kernel match/);
    expect(await at('de')).toEqual(['destroy']);
    expect(await at('--v')).toEqual(['--version']);
  });

  it("offers a command's options (not the hidden ones) and the choices of an option's value", async () => {
    const opts = await at('apply', '--');
    expect(opts).toEqual(expect.arrayContaining(['--json', '--quiet', '--wait', '--no-rollback', '--help']));
    expect(await at('sandbox', '--')).not.toContain('--inside');
    expect(await at('plan', '--format', '')).toEqual(['text', 'sh', 'json']);
    expect(await at('graph', LAB, '--format', 's')).toEqual(['svg']);
    expect(await at('apply', '--wait', '')).toEqual([]);
    expect(await at('graph', '-o', '')).toBe(':files');
  });

  it('asks the shell for lab files where a file goes, also after options that take a value', async () => {
    expect(await at('apply', '')).toBe(':files');
    expect(await at('apply', '--wait', '3', 'ex')).toBe(':files');
    expect(await at('link', 'down', '')).toBe(':files');
    expect(await at('apply', LAB, '')).toEqual([]);
  });

  it("offers the lab's namespaces, a namespace's interfaces and the processes, read from the file on the line", async () => {
    expect(await at('exec', LAB, '')).toEqual(['router', 'web', 'outside']);
    expect(await at('exec', LAB, 'w')).toEqual(['web']);
    expect(await at('link', 'down', LAB, 'router', '')).toEqual(['veth-wan', 'veth-web']);
    expect(await at('link', '', )).toEqual(['down', 'up']);
    expect(await at('logs', LAB, '')).toEqual(['http']);
    expect(await at('exec', LAB, 'web', '--', '')).toBe(':default');
    expect(await at('exec', LAB, 'web', '--', 'ping', '')).toBe(':default');
  });

  it('still offers the namespaces of an invalid file; nothing for a missing file or an unknown command', async () => {
    const dir = scratchDir('topo-complete');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nnamespaces:\n  a: {}\n  b: { routes: [{ to: nowhere }] }\n');
    expect(await at('exec', bad, '')).toEqual(['a', 'b']);
    expect(await at('exec', join(dir, 'missing.yaml'), '')).toEqual([]);
    expect(await at('nosuch', '')).toEqual([]);
  });

  it('prints one candidate per line, its description after a tab; a directive alone', () => {
    expect(completionLines([{ word: 'web', description: 'lab namespace' }, { word: 'up' }])).toBe('web\tlab namespace\nup\n');
    expect(completionLines(':files')).toBe(':files\n');
  });
});

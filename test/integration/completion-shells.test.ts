// The completion scripts in the real shells (bash, zsh, fish: installed by pretest): each asks the built topo
// (`topo __complete`, on PATH through a shim) and offers its words. Nothing here touches the kernel.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT, TOPO, example } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';

const LAB = example('web-server.yaml');

/** A folder holding a `topo` that runs this checkout's build, to put first on PATH. */
function shimPath(): string {
  const dir = scratchDir('topo-shim');
  writeFileSync(join(dir, 'topo'), `#!/bin/sh\nexec ${process.execPath} ${TOPO} "$@"\n`);
  chmodSync(join(dir, 'topo'), 0o755);
  return `${dir}:${process.env.PATH}`;
}

async function shell(argv: string[], script: string): Promise<string[]> {
  const r = await execa(argv[0], [...argv.slice(1), script], { cwd: ROOT, env: { PATH: shimPath(), HOME: scratchDir('topo-home') }, reject: false });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion scripts in the real shells', () => {
  it('bash: COMPREPLY holds the words, without descriptions; lab files where a file goes', async () => {
    const ask = (line: string[]) => `COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _topo; printf '%s\\n' "\${COMPREPLY[@]}"; echo --`;
    const out = await shell(['bash', '-c'], ['source <(topo completion bash)',
      ask(['topo', 'exec', LAB, '']), ask(['topo', 'ap']), ask(['topo', 'apply', 'examples/web-s']), ask(['topo', 'link', 'down', LAB, 'router', 'veth-w'])].join('\n'));
    expect(out.join(' ')).toBe('router web outside -- apply -- examples/web-server.yaml -- veth-wan veth-web --');
  });

  it('zsh: the words go to _describe as word:description; _files for lab files', async () => {
    // compsys's own functions print what they were given: the shim's parsing and wiring run for real.
    const out = await shell(['zsh', '-f', '-c'], ['autoload -U compinit && compinit -u -D', 'source <(topo completion zsh)',
      '_describe() { local n=${@[-1]}; print -l -- "${(@P)n}" }', '_files() { print -- ":files $*" }',
      `words=(topo exec ${LAB} ''); CURRENT=4; _topo`, 'words=(topo apply ex); CURRENT=3; _topo', 'words=(topo ap); CURRENT=2; _topo',
      "print -- \"registered: ${_comps[topo]}\""].join('\n'));
    expect(out).toEqual(['router:lab namespace', 'web:lab namespace', 'outside:lab namespace', ':files -g *.(yaml|yml)(-.)',
      'apply:make the kernel match the file, then verify', 'registered: _topo']);
  });

  it("fish: `complete -C` lists the words with their descriptions, and the lab files", async () => {
    const out = await shell(['fish', '-c'], ['topo completion fish | source', `complete -C "topo exec ${LAB} "`,
      'echo ==', 'complete -C "topo apply examples/web-s"', 'echo ==', 'complete -C "topo logs examples/web-server.yaml "'].join('; '));
    expect(out).toEqual(['outside\tlab namespace', 'router\tlab namespace', 'web\tlab namespace', '==', 'examples/web-server.yaml', '==', 'http\tlab process']);
  });
});

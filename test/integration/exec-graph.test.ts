// `topo exec` passes stdin, stdout, stderr and the exit status through, opens a shell without a command, and
// refuses namespaces the file doesn't declare (inside the sandbox); `topo graph` prints Mermaid, DOT that Graphviz
// accepts, and SVG, and says how to install Graphviz when `dot` is missing (graph reads only the file: no kernel
// access, no sandbox needed).
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { graphMermaid } from '../../src/render/graph.js';
import { validateText } from '../../src/validate/index.js';
import { Sandbox, TOPO, example } from '../helpers/sandbox.js';
import { scratchDir } from '../helpers/scratch.js';

const TWO = example('two-namespaces.yaml');

describe('topo exec (sandbox)', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { await sb.close(); });

  it('runs in the namespace with stdin, stdout, stderr and exit code passed through', async () => {
    expect((await sb.topo(['apply', TWO])).exitCode).toBe(0);

    const links = await sb.topo(['exec', TWO, 'ns1', '--', 'ip', '-json', 'addr', 'show', 'dev', 'veth1']);
    expect(links.exitCode).toBe(0);
    const [veth1] = JSON.parse(links.stdout);
    expect(veth1.ifname).toBe('veth1');
    expect(veth1.addr_info.map((a: { local: string }) => a.local)).toContain('192.168.1.1');

    const piped = await sb.run([process.execPath, TOPO, 'exec', TWO, 'ns2', '--', 'sh', '-c', 'cat; echo to-stderr >&2; exit 7'], { input: 'from stdin' });
    expect(piped).toEqual({ stdout: 'from stdin', stderr: 'to-stderr', exitCode: 7 });

    // Without "--" too, as long as the command's options are not topo's own.
    const noDashes = await sb.topo(['exec', TWO, 'ns2', 'ping', '-n', '-q', '-c', '1', '-W', '1', '192.168.1.1']);
    expect(noDashes.exitCode).toBe(0);
    expect(noDashes.stdout).toContain('1 received');

    const killed = await sb.topo(['exec', TWO, 'ns1', '--', 'sh', '-c', 'kill -TERM $$']);
    expect(killed.exitCode).toBe(143);
  });

  it('without a command: an interactive shell ($SHELL, or sh) in the namespace, its prompt naming the lab and namespace', async () => {
    expect((await sb.topo(['apply', TWO])).exitCode).toBe(0);
    const ns1 = (await sb.run(['ip', 'netns', 'exec', 'ns1', 'readlink', '/proc/self/ns/net'])).stdout;
    const tmp = scratchDir('topo-exec-shell'); // where bash's rc file goes, and is removed from
    for (const shell of ['/bin/bash', '/bin/sh', '']) {
      const r = await sb.run([process.execPath, TOPO, 'exec', TWO, 'ns1'], { input: 'readlink /proc/self/ns/net; exit 4\n', env: { SHELL: shell, TMPDIR: tmp } });
      expect(r.exitCode, `${shell}: ${r.stderr}`).toBe(4);
      expect(r.stdout, shell).toBe(ns1);
      expect(r.stderr, shell).toContain('(two-ns:ns1) ');
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a namespace the file does not declare, and one that is not created yet', async () => {
    const undeclared = await sb.topo(['exec', TWO, 'ns3', '--', 'touch', '/run/ran']);
    expect(undeclared.exitCode).toBe(64);
    expect(undeclared.stderr).toContain('namespace "ns3" is not declared by lab "two-ns"');
    expect(undeclared.stderr).toContain('namespaces of this lab: ns1, ns2, host');
    expect((await sb.run(['test', '-e', '/run/ran'])).exitCode).toBe(1);

    const notApplied = await sb.topo(['exec', TWO, 'ns1', '--', 'true']);
    expect(notApplied.exitCode).toBe(1);
    expect(notApplied.stderr).toContain('namespace ns1 does not exist yet');
    expect(notApplied.stderr).toContain('topo apply');
  });
});

describe('topo graph', () => {
  const ROUTER = example('router-portforward.yaml');
  const topo = (...args: string[]) => execa(process.execPath, [TOPO, 'graph', ...args], { reject: false });

  it('prints Mermaid by default, exactly the renderer output', async () => {
    const r = await topo(ROUTER);
    expect(r.exitCode).toBe(0);
    const parsed = validateText(readFileSync(ROUTER), ROUTER).topo!;
    expect(`${r.stdout}\n`).toBe(graphMermaid(parsed));
  });

  it('prints DOT that Graphviz accepts, and SVG through Graphviz', async () => {
    const dot = await topo(ROUTER, '--format', 'dot');
    expect(dot.exitCode).toBe(0);
    const rendered = await execa('dot', ['-Tsvg'], { input: dot.stdout, reject: false });
    expect(rendered.stderr).toBe('');
    expect(rendered.exitCode).toBe(0);

    const out = join(scratchDir('topo-graph'), 'lab.svg');
    const svg = await topo(ROUTER, '--format', 'svg', '-o', out);
    expect(svg.exitCode).toBe(0);
    expect(svg.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('<svg');
    for (const s of ['router (NAT)', 'veth&#45;wan', '198.51.100.1/24', 'br&#45;lan (bridge)', 'masquerade 10.0.1.0/24 out veth&#45;wan']) expect(text).toContain(s);
  });

  it('says how to install Graphviz when dot is missing, and rejects an unknown format', async () => {
    const r = await execa(process.execPath, [TOPO, 'graph', ROUTER, '--format', 'svg'],
      { reject: false, env: { PATH: scratchDir('topo-empty-path') }, extendEnv: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("--format svg needs Graphviz's `dot` command");
    expect(r.stderr).toContain('apt-get install graphviz');
    const bad = await topo(ROUTER, '--format', 'png');
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('Allowed choices are mermaid, dot, svg');
  });
});

// Commands beyond the core: test (the lab's declared tests), exec (a command in a lab namespace), link (an
// interface of the lab taken down or up, for failure injection) and graph (a picture of the lab); program.ts
// declares them. Each returns its exit code; main.ts exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { EXIT, TopoError } from '../errors.js';
import type { LabSpec } from '../api/source.js';
import type { Runner } from '../io/runner.js';
import { load, loadSpec } from './commands.js';
import { nsOf, type PartOpts } from './instance-option.js';
import { emit, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';

async function kernel(): Promise<Runner> {
  return (await import('../io/runner.js')).runProcess;
}

/**
 * The lab's tests run (the library's testReport) and rendered, and written as JUnit XML to `junit` when given;
 * shared by `topo test`, `apply --test` and sandbox.
 */
export async function labTests(spec: LabSpec, timeoutS?: number, junit?: string) {
  const { testReport } = await import('../api/host.js');
  const { testJson, testTable } = await import('../render/test-table.js');
  const rep = await testReport(spec, { timeoutS });
  if (junit) await writeFile(junit, (await import('../render/junit.js')).junitXml(rep));
  return { ok: rep.ok, text: testTable(rep), json: testJson(rep) };
}

export async function testCmd(file: string, o: OutputOpts & PartOpts & { timeout?: string; junit?: string; sshConfig?: string }): Promise<number> {
  const timeoutS = Number(o.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 60) {
    throw new TopoError('E_USAGE', `--timeout ${o.timeout}: give a whole number of seconds, 1..60`, EXIT.USAGE);
  }
  const fan = await import('./fanout-commands.js'); // a file across machines, without --host: every host's tests
  if (await fan.fanOutMachines(file, o)) return fan.fanTestCmd(file, o);
  const spec = await loadSpec(file, o);
  requireRoot('topo test');
  const { runProcess } = await import('../io/runner.js');
  const firewall = await (await import('./firewall-notes.js')).firewallNotes(spec.topology, runProcess, o); // before the tests it may fail
  const r = await labTests(spec, timeoutS, o.junit);
  emit(o, () => r.text, () => ({ ...r.json, ...(firewall.length ? { warnings: firewall } : {}) }));
  return r.ok ? EXIT.OK : EXIT.FAILED;
}

/** A command in one of the lab's namespaces; without one, an interactive shell whose prompt names the lab and namespace. */
export async function execCmd(file: string, given: string, command: string[], o: PartOpts & { sshConfig?: string } = {}): Promise<number> {
  const fan = await import('./fanout-commands.js'); // a file across machines, without --host: NS@HOST, run on HOST
  if (await fan.fanOutMachines(file, o)) return fan.fanExecCmd(file, given, command, o);
  const spec = await loadSpec(file, o);
  const ns = nsOf(o, given);
  const { exec } = await import('../api/host.js');
  if (command.length) return (await exec(spec, ns, command, { stdio: 'inherit' })).exitCode;
  const rcDir = mkdtempSync(`${tmpdir()}/topo-shell-`);
  try {
    const shell = (await import('./shell.js')).interactiveShell(`(${spec.name}:${given}) `, rcDir);
    Object.assign(process.env, shell.env); // the shell inherits topo's environment
    return (await exec(spec, ns, shell.argv, { stdio: 'inherit' })).exitCode;
  } finally {
    rmSync(rcDir, { recursive: true, force: true });
  }
}

export async function linkCmd(state: 'up' | 'down', file: string, given: string, iface: string, o: OutputOpts & PartOpts & { for?: number }): Promise<number> {
  const topo = await load(file, o);
  const ns = nsOf(o, given);
  requireRoot('topo link');
  const { setLabLink, linkExit } = await import('../ops/link-state.js');
  if (o.for !== undefined && !o.json) {
    process.stderr.write(`${iface} in ${ns}: ${state} for ${o.for} s, then back as it was (Ctrl-C puts it back at once)\n`);
  }
  const r = await setLabLink(topo, ns, iface, state, { run: await kernel(), forSeconds: o.for });
  emit(o, () => `${r.interface} in ${r.namespace}: ${r.state}${r.restored ? `, back ${r.restored} ${r.interrupted ? `early (${r.interrupted})` : `after ${r.forSeconds} s`}` : ''}` +
    `${r.state !== r.was && !r.restored ? ` (was ${r.was}; the next topo apply puts it back as the file says)` : ''}\n`,
  () => ({ ok: true, ...r }));
  return linkExit(r);
}

export async function graphCmd(file: string, o: { format?: string; output?: string }): Promise<number> {
  const format = o.format ?? 'mermaid'; // one of the choices program.ts allows
  // A picture needs no kernel tools: the file is validated without asking whether nft is installed.
  const topo = await (await import('../validate/index.js')).loadTopology(file);
  const { graphDot, graphMermaid } = await import('../render/graph.js');
  const text = format === 'mermaid' ? graphMermaid(topo) : format === 'dot' ? graphDot(topo) : await svgOf(graphDot(topo));
  if (o.output) await writeFile(o.output, text);
  else process.stdout.write(text);
  return EXIT.OK;
}

/** Graphviz's `dot` turns DOT into SVG; without it, say how to get it. */
async function svgOf(dot: string): Promise<string> {
  const r = await (await kernel())(['dot', '-Tsvg'], { input: dot, timeoutMs: 30_000 });
  if (r.exitCode === 127) {
    throw new TopoError('E_NO_GRAPHVIZ', '--format svg needs Graphviz\'s `dot` command, which is not installed', EXIT.FAILED,
      { hint: 'install it with: apt-get install graphviz (or print --format dot / mermaid and render it elsewhere)' });
  }
  if (r.exitCode !== 0) throw new TopoError('E_GRAPHVIZ', `dot -Tsvg failed: ${r.stderr.trim()}`, EXIT.FAILED);
  return r.stdout;
}

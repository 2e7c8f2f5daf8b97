// A file that spans machines (machines:, more than one) without --host: the command drives every host from here
// over ssh (src/remote/), and prints one combined output grouped by host. With --host (or --name) the command
// works on this machine as before (commands.ts); a file with one machine or none never fans out.
import { EXIT, TopoError } from '../errors.js';
import type { HostSpec } from '../model.js';
import { readSource, sourceName } from '../validate/stdin.js';
import { decodeInput } from '../validate/decode.js';
import { fastParse } from '../validate/yaml-fast.js';
import { yamlLib } from '../validate/yaml-lib.js';
import type { PartOpts } from './instance-option.js';
import { emit, type OutputOpts } from './output.js';
import { VERSION } from './version.js';

export interface FanOpts extends OutputOpts, PartOpts { sshConfig?: string }

/** The file's machines when the command fans out (more than one, no --host, no --name); undefined otherwise. */
export async function fanOutMachines(file: string, o: PartOpts): Promise<Record<string, HostSpec> | undefined> {
  if (o.host !== undefined || o.name !== undefined) return undefined;
  let doc: { machines?: unknown } | undefined;
  try {
    const dec = decodeInput(await readSource(file));
    if (dec.problem) return undefined;
    // Without the word (or an escape that could spell it in a quoted key) there is no machines: key to parse for.
    if (!dec.text.includes('machines') && !dec.text.includes('\\')) return undefined;
    doc = (fastParse(dec.text) ?? yamlLib().parse(dec.text, { maxAliasCount: 100 })) as typeof doc;
  } catch { return undefined; }
  const m = doc?.machines;
  if (!m || typeof m !== 'object' || Array.isArray(m) || Object.keys(m).length < 2) return undefined;
  return m as Record<string, HostSpec>;
}

/** The fan-out of a validated file (validated here first: a bad file is refused at its line:col before any ssh). */
async function fanOut<T>(file: string, o: FanOpts & { strict?: boolean }, body: (f: import('../remote/fanout.js').FanOut) => Promise<T>, validate = true): Promise<T> {
  let lab: string;
  let machines: Record<string, HostSpec>;
  if (validate) {
    // Checked without this machine's kernel (its nft, sysctls, users): each host checks its part against its own
    // kernel when it plans. The file's warnings are printed here, once.
    const { loadLab, formatProblems } = await import('../validate/index.js');
    const { topo, warnings } = await loadLab(file, { strict: o.strict });
    if (warnings.length && !o.json) process.stderr.write(`${formatProblems(sourceName(file), warnings)}\n`);
    lab = topo.name;
    machines = topo.machines!;
  } else {
    const { labOf } = await import('./lab-of.js');
    lab = (await labOf(file)).name;
    machines = (await fanOutMachines(file, o))!;
  }
  const { HostsRun } = await import('../remote/hosts-run.js');
  const run = HostsRun.open(machines, { sshConfig: o.sshConfig, self: [process.execPath, process.argv[1]!] });
  try {
    return await body({ run, lab, text: (await readSource(file)).toString('utf8'), version: VERSION });
  } finally {
    await run.close();
  }
}

export async function fanPlanCmd(file: string, o: FanOpts & { strict?: boolean; format?: string; detailedExitcode?: boolean }): Promise<number> {
  if (o.format === 'sh') throw new TopoError('E_USAGE', 'plan --format sh works on one host\'s part: add --host NAME (run it on that host)', EXIT.USAGE);
  const json = o.json || o.format === 'json';
  const { planEvery } = await import('../remote/fanout.js');
  const { combinedDoc, combinedPlanText } = await import('../remote/combined.js');
  return fanOut(file, { ...o, json }, async (f) => {
    const plans = await planEvery(f);
    emit({ json }, () => combinedPlanText(plans), () => combinedDoc(f.lab, plans));
    return o.detailedExitcode && Object.values(plans).some((p) => p.changes.length) ? EXIT.CHANGES : EXIT.OK;
  });
}

export async function fanApplyCmd(file: string, o: FanOpts & { strict?: boolean; rollback?: boolean; test?: boolean; wait?: number }): Promise<number> {
  const { applyAll, testEvery } = await import('../remote/fanout.js');
  const { combinedPlanText, combinedTestText } = await import('../remote/combined.js');
  return fanOut(file, o, async (f) => {
    const r = await applyAll(f, { rollback: o.rollback, wait: o.wait, onPlan: (plans) => {
      // The plan is printed before any host applies it (not when no host has changes: the summary says so).
      if (!o.json && !o.quiet && Object.values(plans).some((p) => p.changes.length)) process.stdout.write(`${combinedPlanText(plans)}\n`);
    } });
    const tests = o.test ? await testEvery(f, 2, { preflight: false }) : undefined;
    const testsOk = !tests || Object.values(tests).every((t) => t.ok);
    const line = (h: string, d: (typeof r.hosts)[string]) => (d.changed
      ? `  ${h}: ${d.plan.summary.create} created, ${d.plan.summary.update} changed, ${d.plan.summary.delete} deleted in ${(d.ms / 1000).toFixed(2)} s; verified\n`
      : `  ${h}: no changes\n`);
    const text = () => `${r.changed ? `Apply complete on ${Object.keys(r.hosts).length} host(s):` : `No changes. Lab "${f.lab}" already matches ${sourceName(file)} on every host:`}\n`
      + `${Object.entries(r.hosts).map(([h, d]) => line(h, d)).join('')}${tests ? `\n${combinedTestText(tests)}` : ''}`;
    emit(o, text, () => ({ ...r, ok: testsOk, ...(tests ? { tests: { ok: testsOk, hosts: tests } } : {}) }));
    if (!o.json) for (const [h, d] of Object.entries(r.hosts)) for (const w of d.warnings) process.stderr.write(`warning: host ${h}: ${w.message}\n`);
    return testsOk ? EXIT.OK : EXIT.FAILED;
  });
}

export async function fanShowCmd(file: string, o: FanOpts): Promise<number> {
  const { showEvery, textEvery } = await import('../remote/fanout.js');
  const { combinedDoc } = await import('../remote/combined.js');
  return fanOut(file, o, async (f) => {
    if (o.json) { process.stdout.write(`${JSON.stringify(combinedDoc(f.lab, await showEvery(f)), null, 2)}\n`); return EXIT.OK; }
    const texts = await textEvery(f, (h) => ['show', '-', '--host', h]);
    process.stdout.write(Object.entries(texts).map(([h, t]) => `host ${h} (lab ${f.lab}.${h}):\n${t.replace(/^(?=.)/gm, '  ')}`).join('\n'));
    return EXIT.OK;
  });
}

export async function fanTestCmd(file: string, o: FanOpts & { timeout?: string; junit?: string }): Promise<number> {
  if (o.junit) throw new TopoError('E_USAGE', '--junit works on one host\'s part: add --host NAME (run it on that host)', EXIT.USAGE);
  const { testEvery } = await import('../remote/fanout.js');
  const { combinedDoc, combinedTestText } = await import('../remote/combined.js');
  return fanOut(file, o, async (f) => {
    const tests = await testEvery(f, Number(o.timeout ?? 2));
    const doc = combinedDoc(f.lab, tests);
    emit(o, () => combinedTestText(tests), () => doc);
    return doc.ok ? EXIT.OK : EXIT.FAILED;
  });
}

export async function fanDestroyCmd(file: string, o: FanOpts & { wait?: number }): Promise<number> {
  const { destroyEvery } = await import('../remote/fanout.js');
  const { combinedDoc } = await import('../remote/combined.js');
  return fanOut(file, o, async (f) => {
    const done = await destroyEvery(f, o.wait);
    emit(o, () => Object.entries(done).map(([h, d]) => (d.changed ? `Destroyed lab "${d.lab}" on ${h}: ${d.plan.summary.delete} object(s) removed; verified nothing is left.\n`
      : `Nothing to destroy on ${h}: lab "${d.lab}" owns nothing there.\n`)).join(''), () => combinedDoc(f.lab, done, { changed: Object.values(done).some((d) => d.changed) }));
    return EXIT.OK;
  }, false);
}

/** `topo exec FILE NS@HOST -- cmd`: the command run on HOST over ssh (-t when standard input is a terminal), its exit code passed through. */
export async function fanExecCmd(file: string, given: string, command: string[], o: FanOpts): Promise<number> {
  if (file === '-') throw new TopoError('E_USAGE', 'exec across hosts needs the file by its path (standard input is the command\'s)', EXIT.USAGE);
  const { splitNs } = await import('../core/host-slice.js');
  const { didYouMean } = await import('../core/suggest.js');
  const machines = (await fanOutMachines(file, o))!;
  const { name: ns, host } = splitNs(given);
  const hosts = Object.keys(machines);
  const h = host ?? Object.entries(machines).find(([, m]) => m?.local)?.[0];
  if (h === undefined || !machines[h]) {
    throw new TopoError('E_USAGE', host === undefined ? `${given}: the lab spans hosts ${hosts.join(', ')}: name the namespace with its host, NS@HOST (e.g. ${given}@${hosts[0]})`
      : `${given}: the file declares no host ${host}${didYouMean(host, hosts)}`, EXIT.USAGE, { hint: `its hosts: ${hosts.join(', ')}; on the host itself: topo exec FILE ${ns} --host HOST` });
  }
  const { execExit } = await import('../remote/fanout-exec.js');
  return fanOut(file, o, (f) => execExit(f, h, file, ns, command));
}

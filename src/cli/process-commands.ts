// `topo ps FILE` (the lab's processes: name, namespace, pid, status, uptime, ready) and `topo logs FILE [NAME] [-f]`
// (their output, as captured in the lab's state directory); program.ts declares them. Each returns its exit code.
import { EXIT } from '../errors.js';
import { load } from './commands.js';
import type { PartOpts } from './instance-option.js';
import { emit, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';

export async function psCmd(file: string, o: OutputOpts & PartOpts): Promise<number> {
  const topo = await load(file, o);
  requireRoot('topo ps');
  const { processRows, psTable } = await import('../ops/processes.js');
  const rows = await processRows(topo);
  emit(o, () => psTable(rows), () => ({ lab: topo.name, processes: rows }));
  return EXIT.OK;
}

export async function logsCmd(file: string, name: string | undefined, o: PartOpts & { follow?: boolean }): Promise<number> {
  const topo = await load(file, o);
  requireRoot('topo logs');
  const { logFiles, readFrom } = await import('../ops/processes.js');
  const logs = logFiles(topo, name);
  // One process: its log as it is; several: each line after its process's name.
  const out = (n: string, text: string) => process.stdout.write(logs.length === 1 ? text : text.replace(/^(?=.)/gm, `${n} | `));
  const at = new Map<string, number>();
  for (const l of logs) { const r = readFrom(l.path, 0); out(l.name, r.text); at.set(l.path, r.end); }
  if (!o.follow) return EXIT.OK;
  // -f: what is appended, until a signal.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (const l of logs) { const r = readFrom(l.path, at.get(l.path) ?? 0); if (r.text) out(l.name, r.text); at.set(l.path, r.end); }
    }, 200);
    const stop = () => { clearInterval(timer); resolve(); };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, stop);
  });
  return EXIT.OK;
}

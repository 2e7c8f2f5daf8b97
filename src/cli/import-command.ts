// `topo import`: the live namespaces as a topology file (ops/import.ts reads and maps, render/import-yaml.ts
// writes). The file goes to standard output, or to -o FILE; --json prints one document with the file's text, the
// topology and every object left out (`skipped`).
import { writeFile } from 'node:fs/promises';
import { EXIT, TopoError } from '../errors.js';
import { emit, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';
import { VERSION } from './version.js';

export interface ImportOpts extends OutputOpts { namespaces?: string; name?: string; output?: string }

export async function importCmd(o: ImportOpts): Promise<number> {
  const namespaces = o.namespaces === undefined ? undefined : o.namespaces.split(',').map((n) => n.trim()).filter(Boolean);
  if (namespaces !== undefined && !namespaces.length) throw new TopoError('E_USAGE', '--namespaces: give a comma-separated list of namespaces, e.g. ns1,ns2', EXIT.USAGE);
  requireRoot('topo import');
  const { importLab } = await import('../ops/import.js');
  const { renderImport } = await import('../render/import-yaml.js');
  const { runProcess } = await import('../io/runner.js');
  const at = new Date();
  const { result, text } = await importLab(runProcess, { namespaces, name: o.name }, (r) => renderImport(r, at, VERSION));
  if (o.output) {
    await writeFile(o.output, text);
    if (!o.json) {
      process.stderr.write(`wrote ${o.output}: lab ${result.topo.name}, ${result.namespaces.length} namespace(s), ${result.skipped.length} object(s) not imported (listed in its header)\n`);
      return EXIT.OK;
    }
  }
  emit(o, () => text, () => ({
    ok: true, lab: result.topo.name, namespaces: result.namespaces, ...(o.output ? { output: o.output } : {}),
    skipped: result.skipped, topology: result.topo, file: text,
  }));
  return EXIT.OK;
}

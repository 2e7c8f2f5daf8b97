// `topo ls`: every lab on this machine (ops/labs.ts finds them, render/labs.ts prints them).
import { EXIT } from '../errors.js';
import { load } from './commands.js';
import { emit, type OutputOpts } from './output.js';
import { requireRoot } from './privilege.js';

export async function lsCmd(o: OutputOpts): Promise<number> {
  requireRoot('topo ls');
  const { listLabs } = await import('../ops/labs.js');
  const { labsJson, labsText } = await import('../render/labs.js');
  const { runProcess } = await import('../io/runner.js');
  const rows = await listLabs({ run: runProcess, load });
  emit(o, () => labsText(rows), () => labsJson(rows));
  return EXIT.OK;
}

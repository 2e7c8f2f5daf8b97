// destroy needs only the lab's name (and, as a hint, the namespaces the file names): a lab whose file was since
// edited, even into an invalid one, can still be destroyed. A file that doesn't even name a lab is an error.
import { readFile } from 'node:fs/promises';
import { InvalidTopology } from '../errors.js';
import { yamlLib } from '../validate/yaml-lib.js';

export async function labOf(file: string): Promise<{ name: string; namespaces: string[] }> {
  const { validateText } = await import('../validate/index.js');
  let text: Buffer;
  try { text = await readFile(file); } catch (e) {
    throw new InvalidTopology(file, [{ code: 'E_FILE', message: `cannot read ${file}: ${(e as Error).message}`, pos: { line: 1, col: 1 } }]);
  }
  const full = validateText(text, file);
  if (full.topo) return { name: full.topo.name, namespaces: Object.keys(full.topo.namespaces ?? {}) };
  let doc: unknown;
  try { doc = yamlLib().parse(text.toString('utf8'), { maxAliasCount: 100 }); } catch { doc = undefined; }
  const name = (doc as { name?: unknown } | undefined)?.name;
  if (typeof name === 'string' && /^[a-z0-9][a-z0-9-]{0,15}$/.test(name)) return { name, namespaces: [] };
  throw new InvalidTopology(file, full.problems);
}

// destroy needs only the lab's name (and, as a hint, the namespaces the file names): a lab whose file was since
// edited, even into an invalid one, can still be destroyed. A file that doesn't even name a lab is an error.
// The file is not validated first: the hint only adds namespaces to look at (destroy deletes what the lab owns,
// by its marks and record, nothing else), and checking a large file costs more than its parse. The file's
// `machines:` comes back from the same parse, for destroy --host (host-option.ts labOfHost): one read, one parse.
import { InvalidTopology } from '../errors.js';
import { decodeInput } from '../validate/decode.js';
import { readSource, sourceName } from '../validate/stdin.js';
import { fastParse } from '../validate/yaml-fast.js';
import { yamlLib } from '../validate/yaml-lib.js';

const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,15}$/;

/** The lab's name, the namespaces the file names, and its `machines:` as written (unchecked, undefined when absent). */
export interface LabOfFile { name: string; namespaces: string[]; machines?: unknown }

export async function labOf(file: string): Promise<LabOfFile> {
  let text: Buffer;
  try { text = await readSource(file); } catch (e) {
    throw new InvalidTopology(sourceName(file), [{ code: 'E_FILE', message: `cannot read ${sourceName(file)}: ${(e as Error).message}`, pos: { line: 1, col: 1 } }]);
  }
  const dec = decodeInput(text);
  const fast = dec.problem ? undefined : fastParse(dec.text);
  if (fast && typeof fast.name === 'string' && LAB_NAME.test(fast.name)) {
    const ns = fast.namespaces;
    return { name: fast.name, namespaces: ns && typeof ns === 'object' && !Array.isArray(ns) ? Object.keys(ns) : [], machines: fast.machines };
  }
  const { validateText } = await import('../validate/index.js');
  const full = validateText(text, file);
  if (full.topo) return { name: full.topo.name, namespaces: Object.keys(full.topo.namespaces ?? {}), machines: full.topo.machines };
  let doc: unknown;
  try { doc = yamlLib().parse(text.toString('utf8'), { maxAliasCount: 100 }); } catch { doc = undefined; }
  const { name, machines } = (doc ?? {}) as { name?: unknown; machines?: unknown };
  if (typeof name === 'string' && LAB_NAME.test(name)) return { name, namespaces: [], machines };
  throw new InvalidTopology(sourceName(file), full.problems);
}

// load(): a lab from a file, a YAML string or a plain object (a program that generates its lab), validated exactly
// as `topo validate` does — schema, semantics, the kernel's sysctls and nft — into a LabSpec, or InvalidTopology
// with every problem: line:col where there is text to point into, and the JSON pointer path always.
import { existsSync } from 'node:fs';
import { EXIT, InvalidTopology, TopoError, type Problem } from '../errors.js';
import type { Topology } from '../model.js';
import type { ValidateOptions } from '../validate/index.js';

/**
 * Where a lab comes from. Exactly one of `file`, `yaml` or `object`: a bare topology is refused rather than guessed
 * at (a lab's own keys could one day include one of these names). With `yaml` or `object`, `file` only names the
 * source in messages.
 */
export type LabSource = { file: string } | { yaml: string; file?: string } | { object: unknown; file?: string };

/** A validated lab: what every other call takes. */
export interface LabSpec {
  readonly name: string;
  readonly topology: Topology;
  /** Problems that don't make the lab invalid (with `strict` they are errors instead). */
  readonly warnings: readonly Problem[];
  /** The file it was read from (a lab from a string or an object has none). */
  readonly file?: string;
  /** The source text of a lab given as a string or an object (sandbox mode writes it to a file of its own). */
  readonly text?: string;
}

export interface LoadOptions { strict?: boolean }

export async function load(source: LabSource, o: LoadOptions = {}): Promise<LabSpec> {
  const opts = await kernelChecks(o.strict);
  const { loadLab, validateText } = await import('../validate/index.js');
  const s = source as Partial<Record<'file' | 'yaml' | 'object', unknown>>;
  const given = (['file', 'yaml', 'object'] as const).filter((k) => s && typeof s === 'object' && s[k] !== undefined && !(k === 'file' && (s.yaml !== undefined || s.object !== undefined)));
  if (given.length !== 1 || (s.file !== undefined && typeof s.file !== 'string') || (s.yaml !== undefined && typeof s.yaml !== 'string')) {
    throw new TopoError('E_USAGE', 'load() takes { file: PATH }, { yaml: TEXT } or { object: LAB } (a lab as a plain object), exactly one of them', EXIT.USAGE);
  }
  if (given[0] === 'file') {
    const file = s.file as string;
    const { topo, warnings } = await loadLab(file, opts);
    return { name: topo.name, topology: topo, warnings, file };
  }
  const name = typeof s.file === 'string' ? s.file : given[0] === 'yaml' ? '<yaml>' : '<object>';
  let text: string;
  if (given[0] === 'yaml') text = s.yaml as string;
  else {
    try { text = JSON.stringify(s.object, null, 2) ?? 'null'; } catch (e) {
      throw new InvalidTopology(name, [{ code: 'not-json', message: `the lab object can't be written as JSON: ${(e as Error).message}`, path: '' }]);
    }
  }
  const r = validateText(text, name, opts);
  // An object has no text of the user's to point into: its problems are placed by their path alone.
  const place = ({ pos, ...p }: Problem): Problem => ({ ...p, ...(given[0] === 'object' || !pos ? {} : { pos }), path: p.path ?? '' });
  if (!r.topo) throw new InvalidTopology(name, r.problems.map(place));
  return { name: r.topo.name, topology: r.topo, warnings: r.warnings.map(place), text };
}

/** What validation asks of this machine: nft present, the kernel's sysctls and config, its underlay's MTU (as `topo validate`). */
async function kernelChecks(strict?: boolean): Promise<ValidateOptions> {
  const { knownSysctls } = await import('../io/sysctl-names.js');
  const { knownUsers } = await import('../io/user-db.js');
  const { kernelConfig } = await import('../io/kernel-config.js');
  const { nftCheck } = await import('../io/nft-check.js');
  const { underlayLinks } = await import('../io/underlay-link.js');
  const nft = await nftAvailable();
  let sysctls: { known: ReadonlySet<string> | undefined } | undefined; // read once, when first asked
  return { nftAvailable: nft, knownSysctls: () => (sysctls ??= { known: knownSysctls() }).known, knownUsers: knownUsers(), kernelConfig: kernelConfig(), nftCheck: nft ? nftCheck() : undefined, underlayLink: underlayLinks(), strict };
}

/** Whether an `nft` is on the PATH (looked for synchronously: a few stats, no trip through Node's thread pool). */
export async function nftAvailable(): Promise<boolean> {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => existsSync(`${d}/nft`));
}


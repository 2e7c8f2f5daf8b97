// Shell completion. The shells' scripts (completion-scripts.ts) are small shims: on TAB they run the hidden
// `topo __complete WORD...` with the words typed after `topo`, the last one the word being completed, and show
// what it prints. What to offer is decided here, once for every shell, from the command line's own definition
// (program.ts: commands, options, their choices, the arguments' names) and from the lab file named on the line
// (its namespaces, their interfaces, its processes). Printed: one candidate per line, "word<TAB>description";
// or one directive line — ':files' (complete a file name: the shell lists directories and *.yaml / *.yml) or
// ':default' (the shell's own completion, for the command after `--`).
import { readFile } from 'node:fs/promises';
import type { Argument, Command, Option } from 'commander';
import { HOST, type Topology } from '../model.js';

export type Candidate = { word: string; description?: string };
export type Completion = Candidate[] | ':files' | ':default';

/** What the lab file on the command line declares, for its arguments' candidates. */
export interface LabNames {
  namespaces: string[];
  interfaces(ns: string): string[];
  processes: string[];
}

const visible = (c: Command) => !(c as unknown as { _hidden?: boolean })._hidden;
const shown = (o: Option) => !o.hidden;
const takesValue = (o: Option) => o.required || o.optional;

function optionNamed(cmd: Command, word: string): Option | undefined {
  const flag = word.split('=')[0];
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

/** A command's options by their long names (the short ones are not offered: one spelling is enough), and --help. */
const optionCandidates = (cmd: Command): Candidate[] => [
  ...cmd.options.filter(shown).map((o) => ({ word: o.long ?? o.short!, description: o.description })),
  { word: '--help', description: 'display help for command' },
];

/**
 * The candidates for the last of `words` (the words after `topo`; the last is the one being completed, maybe
 * empty). `lab` reads the lab file the line names, only when an argument needs it.
 */
export async function complete(program: Command, words: string[], lab: (file: string) => Promise<LabNames | undefined>): Promise<Completion> {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const commands = program.commands.filter(visible);
  if (before.length === 0) {
    if (cur.startsWith('-')) return prefixed(optionCandidates(program), cur);
    return prefixed(commands.map((c) => ({ word: c.name(), description: c.description() })), cur);
  }
  const cmd = commands.find((c) => c.name() === before[0]);
  if (!cmd) return [];
  // Walk the words typed so far: options (and the value of those that take one) and positional arguments.
  const positional: string[] = [];
  let afterDashes = false;
  for (let i = 1; i < before.length; i++) {
    const w = before[i];
    if (afterDashes) { positional.push(w); continue; }
    if (w === '--') { afterDashes = true; continue; }
    const o = w.startsWith('-') ? optionNamed(cmd, w) : undefined;
    if (o) { if (takesValue(o) && !w.includes('=') && o.required) i++; continue; }
    positional.push(w);
  }
  const prev = before[before.length - 1];
  const prevOpt = !afterDashes && prev.startsWith('-') ? optionNamed(cmd, prev) : undefined;
  if (prevOpt && prevOpt.required && !prev.includes('=')) return optionValue(prevOpt, cur);
  if (cur.startsWith('-') && !afterDashes) return prefixed(optionCandidates(cmd), cur);
  const args = cmd.registeredArguments;
  const last = args[args.length - 1];
  const arg: Argument | undefined = args[positional.length] ?? (last?.variadic ? last : undefined);
  if (!arg) return [];
  if (arg.variadic && arg.name() === 'command') return ':default';
  if (arg.argChoices) return prefixed(arg.argChoices.map((word) => ({ word })), cur);
  const fileAt = args.findIndex((a) => a.name() === 'file');
  const file = fileAt >= 0 ? positional[fileAt] : undefined;
  switch (arg.name()) {
    case 'file': case 'files': return ':files';
    case 'shell': return prefixed(['bash', 'zsh', 'fish'].map((word) => ({ word })), cur);
    case 'namespace': {
      const names = file ? await lab(file) : undefined;
      return prefixed((names?.namespaces ?? []).map((word) => ({ word, description: 'lab namespace' })), cur);
    }
    case 'interface': {
      const nsAt = args.findIndex((a) => a.name() === 'namespace');
      const names = file ? await lab(file) : undefined;
      const ns = positional[nsAt];
      return prefixed((names && ns ? names.interfaces(ns) : []).map((word) => ({ word, description: `interface in ${ns}` })), cur);
    }
    case 'name': {
      const names = file ? await lab(file) : undefined;
      return prefixed((names?.processes ?? []).map((word) => ({ word, description: 'lab process' })), cur);
    }
    default: return [];
  }
}

function optionValue(o: Option, cur: string): Completion {
  if (o.argChoices) return prefixed(o.argChoices.map((word) => ({ word })), cur);
  if (o.flags.includes('<file>')) return ':files';
  return [];
}

const prefixed = (c: Candidate[], cur: string): Candidate[] => c.filter((x) => x.word.startsWith(cur));

/** The names a lab file declares; undefined when it can't be read. An invalid file still gives its namespaces. */
export async function labNames(file: string): Promise<LabNames | undefined> {
  let text: Buffer;
  try { text = await readFile(file); } catch { return undefined; }
  const { validateText } = await import('../validate/index.js');
  const v = validateText(text, file);
  if (!v.topo) {
    try {
      const { labOf } = await import('./lab-of.js');
      const { namespaces } = await labOf(file);
      return { namespaces, interfaces: () => [], processes: [] };
    } catch { return undefined; }
  }
  return namesOf(v.topo);
}

async function namesOf(topo: Topology): Promise<LabNames> {
  const { resolveLab, ifacesOf } = await import('../core/lab-model.js');
  const { KINDS } = await import('../kinds/index.js');
  const model = resolveLab(topo, KINDS);
  const namespaces = Object.keys(topo.namespaces ?? {}).filter((n) => n !== HOST);
  const processes = Object.values(topo.namespaces ?? {})
    .flatMap((s) => Object.keys((s as { run?: Record<string, unknown> } | null)?.run ?? {}));
  return { namespaces, interfaces: (ns) => ifacesOf(model, ns).map((i) => i.name), processes: [...new Set(processes)] };
}

/** The lines `topo __complete` prints. */
export function completionLines(c: Completion): string {
  if (typeof c === 'string') return `${c}\n`;
  return c.map((x) => (x.description ? `${x.word}\t${x.description.split('\n')[0]}` : x.word)).map((l) => `${l}\n`).join('');
}

/** `topo __complete WORD...`: prints the candidates; never fails (a shell's TAB must not print errors). */
export async function completeCmd(program: Command, words: string[]): Promise<void> {
  let c: Completion = [];
  try { c = await complete(program, words.length ? words : [''], labNames); } catch { c = []; }
  process.stdout.write(completionLines(c));
}

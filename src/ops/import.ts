// `topo import`: read the live kernel (the named namespaces, all of /run/netns by default, and the host) with the
// same reader plan and apply use (io/read-live.ts, with every kind's `ip` lines), then turn it into a topology file
// (import-topology.ts). The file is validated before it is returned: what import prints always passes validate.
import { EXIT, TopoError } from '../errors.js';
import { HOST } from '../model.js';
import type { ToolRead } from '../core/live.js';
import { listNetns, readLive, runToolRead } from '../io/read-live.js';
import type { Runner } from '../io/runner.js';
import { formatProblems, validateText } from '../validate/index.js';
import { kindIpReads } from './observe.js';
import { importTopology, IMPORTED_SYSCTLS, RAW_ROUTES, type Imported, type Skipped } from './import-topology.js';

/** The schema's labName and nsName (schemas/topology.schema.json). */
export const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,15}$/;
const NS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** What problems of the imported text are reported against (it has no file yet). */
const IMPORTED_FILE = 'imported';

export interface ImportOptions {
  /** Namespaces to import (default: every one in /run/netns). */
  namespaces?: string[];
  /** The lab's name; derived from the namespaces' topo marks when they all carry the same one. */
  name?: string;
}

export interface ImportResult extends Imported {
  /** The namespaces imported. */
  namespaces: string[];
  /** Where the name came from: given, or the mark `topo:<name>` of every imported namespace's lo. */
  nameFrom: 'option' | 'marks';
  /** The namespaces imported whose lo carries a topo mark (a lab's), by the lab it names. */
  marked: Record<string, string>;
}

/**
 * Read and import. Errors (exit 64) for a name that is not a lab name, a namespace asked for that does not exist
 * (or "host"), no namespace to import, and no --name where the marks don't give one.
 */
export async function importLab(run: Runner, opts: ImportOptions, render: (r: ImportResult) => string): Promise<{ result: ImportResult; text: string }> {
  if (opts.name !== undefined && !LAB_NAME.test(opts.name)) {
    throw usage(`--name ${JSON.stringify(opts.name)}: a lab name is 1 to 16 characters, lower-case letters, digits and '-', starting with a letter or digit`);
  }
  const netns = await listNetns(run);
  const asked = opts.namespaces;
  if (asked) {
    const missing = asked.filter((n) => n === HOST || !netns.includes(n));
    if (missing.length) {
      throw usage(`--namespaces: ${missing.map((n) => JSON.stringify(n)).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not ${missing.includes(HOST) ? 'a namespace to import ("host" is the one topo runs in: its objects come along with the namespaces they connect to)' : 'in /run/netns'}`,
        netns.length ? `the namespaces here: ${netns.join(', ')}` : 'there is no named namespace here (ip netns list)');
    }
  }
  // Names a topology file can't hold are left out (and said): "host", and what the schema's nsName refuses.
  const unnamable: Skipped[] = [];
  const namespaces = [...new Set(asked ?? netns)].filter((n) => {
    if (n === HOST) unnamable.push({ ns: n, what: `namespace ${n} (in /run/netns)`, why: '"host" stands for the namespace topo runs in: rename it to import it' });
    else if (!NS_NAME.test(n)) unnamable.push({ ns: n, what: `namespace ${n}`, why: 'a topology file\'s namespace names are letters, digits, \'_\', \'.\', \'-\', at most 64, not starting with \'.\' or \'-\'' });
    else return true;
    return false;
  }).sort();
  if (!namespaces.length) {
    throw usage(unnamable.length ? `no namespace here can be imported: ${unnamable.map((u) => `${u.what}: ${u.why}`).join('; ')}`
      : 'there is no named network namespace to import (ip netns list shows none)');
  }
  const sysctls = Object.fromEntries([...namespaces, HOST].map((n) => [n, Object.keys(IMPORTED_SYSCTLS)]));
  const snap = await readLive(run, { namespaces, sysctls, ipReads: [...kindIpReads(), RAW_ROUTES], netns });
  const gone = namespaces.filter((n) => !snap.ns[n]);
  if (gone.length) throw new TopoError('E_READ', `namespace(s) ${gone.join(', ')} went away while being read: run topo import again`, EXIT.FAILED);

  const marked: Record<string, string> = {};
  for (const n of namespaces) {
    const alias = snap.ns[n].links.find((l) => l.ifname === 'lo')?.ifalias;
    if (alias?.startsWith('topo:')) marked[n] = alias.slice('topo:'.length);
  }
  const labs = new Set(Object.values(marked));
  const derived = labs.size === 1 && Object.keys(marked).length === namespaces.length ? [...labs][0] : undefined;
  const name = opts.name ?? derived;
  if (name === undefined) {
    throw usage('give the lab a name with --name NAME: the namespaces carry no single lab\'s marks to take it from',
      'a lab name is 1 to 16 characters, lower-case letters, digits and \'-\'');
  }
  const nftTables = Object.fromEntries(await Promise.all([...namespaces, HOST].map(async (ns) => [ns, await nftTablesOf(run, ns)] as const)));
  const imported = importTopology({ snap, name, namespaces, nftTables });
  const result: ImportResult = { ...imported, skipped: [...unnamable, ...imported.skipped], namespaces, nameFrom: opts.name !== undefined ? 'option' : 'marks', marked };
  const text = render(result);
  const checked = validateText(text, IMPORTED_FILE);
  if (checked.problems.length) {
    // What the kernel holds, topo would refuse (the same address on two interfaces of a namespace, say).
    throw new TopoError('E_IMPORT_INVALID', `the live lab is one topo would refuse, so no file was written:\n${formatProblems(IMPORTED_FILE, checked.problems)}`,
      EXIT.FAILED, { problems: checked.problems, text, hint: 'leave the namespaces involved out with --namespaces, or change them by hand first' });
  }
  return { result, text };
}

/** The nftables tables of a namespace ("inet topo-lab"), or why they could not be read (no nft, say). */
async function nftTablesOf(run: Runner, ns: string): Promise<string[] | { unread: string }> {
  const read: ToolRead = { name: 'import:nft', ns, tool: 'nft', args: ['-j', 'list', 'tables'], what: 'the nftables tables', absent: /(?!)/, pkg: 'nftables' };
  try {
    const doc = await runToolRead(run, read) as { nftables?: { table?: { family: string; name: string } }[] } | undefined;
    return (doc?.nftables ?? []).flatMap((x) => (x.table ? [`${x.table.family} ${x.table.name}`] : []));
  } catch (e) {
    if (e instanceof TopoError) return { unread: e.message };
    throw e;
  }
}

const usage = (message: string, hint?: string) => new TopoError('E_USAGE', message, EXIT.USAGE, hint ? { hint } : {});

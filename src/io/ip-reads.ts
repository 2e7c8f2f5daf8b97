// What the `ip -json -d -batch` that reads a namespace asks for, and which of its documents answers which read.
// Every read is an IpRead (core/live.ts): a name and a show line. topo's own (interfaces with their addresses,
// routes, nsids) and the kinds' (Kind.ipReads) go in the one batch each namespace's read runs; `ip` prints one JSON
// document per show line, in the order of the lines, so each read gets the document of its own line.
import type { IpRead } from '../core/live.js';
import { TopoError } from '../errors.js';
import { HOST } from '../model.js';
import { linksOf, nsidsOf, routesOf, type ShapedRead } from './live-shape.js';

/** A namespace's interfaces, with their addresses. */
export const LINKS: IpRead = { name: 'links', line: 'addr show' };
/** Its routes, of every table. */
export const ROUTES: IpRead = { name: 'routes', line: 'route show table all' };
/**
 * The other namespaces by the nsid it knows them by (read in the host always, elsewhere when pairing needs it):
 * `netns list`, every file of /run/netns with its nsid, which ip asks the kernel file by file. Not `netns list-id`:
 * the kernel's list of nsids (a dump) stops after its first buffer (6.18: 134 nsids on a new socket, ~1,150 after a
 * larger dump), so a namespace with more peers than that had some of them unnamed.
 */
export const NSIDS: IpRead = { name: 'nsids', line: 'netns list' };
/** Its interfaces only, without addresses: a namespace destroy deletes whole (see NsLive.shallow). */
export const LINKS_ONLY: IpRead = { name: LINKS.name, line: 'link show' };
const OWN = new Set([LINKS.name, ROUTES.name, NSIDS.name]);

/** What a namespace's read asks for: topo's own reads (in the host also the nsids), then the kinds' (those for it: IpRead.only). */
export function nsReads(ns: string, kindReads: IpRead[] = []): IpRead[] {
  checkKindReads(kindReads);
  return [LINKS, ROUTES, ...(ns === HOST ? [NSIDS] : []), ...kindReads.filter((r) => !r.only || onlySet(r.only).has(ns))];
}

/** IpRead.only as a set, made once per list (a lab of many namespaces asks it for each). */
const onlySets = new WeakMap<string[], Set<string>>();
function onlySet(only: string[]): Set<string> {
  let set = onlySets.get(only);
  if (!set) onlySets.set(only, set = new Set(only));
  return set;
}

/** The batch's show lines: each line once (reads of the same line share its document). */
export const showLines = (reads: IpRead[]): string[] => [...new Set(reads.map((r) => r.line))];

/** Words that make a line change the kernel: never the sub-object before `show` (`link del show` deletes "show"). */
const CHANGES = /^(?:add|del|delete|set|change|replace|flush|append|prepend|exec|save|restore|attach|detach|monitor)$/;

/**
 * A kind's line joins a batch that runs as root: it must be one read-only command (`OBJECT [SUBOBJECT] show|list|list-id
 * ...`), and its name must be its own. A kind that breaks this is a bug in topo, said before anything runs.
 */
function checkKindReads(reads: IpRead[]): void {
  const lines = new Map<string, string>();
  for (const r of reads) {
    const m = /^[a-z][\w-]*(?: ([a-z][\w-]*))? (?:show|list(?:-id)?)(?: [\w.:/-]+)*$/.exec(r.line);
    if (!m || (m[1] !== undefined && CHANGES.test(m[1]))) {
      throw new Error(`ip read "${r.name}": ${JSON.stringify(r.line)} is not a single show or list command`);
    }
    if (OWN.has(r.name)) throw new Error(`ip read "${r.name}": the name is one of topo's own reads`);
    if (lines.has(r.name) && lines.get(r.name) !== r.line) throw new Error(`ip read "${r.name}" is declared twice, with other lines`);
    lines.set(r.name, r.line);
  }
}

/**
 * The documents of a batch whose show lines are `lines` (the lines before them, commands that change the kernel,
 * print nothing), by line. Each show line prints exactly one JSON document: output that isn't JSON, or another
 * number of documents (a line `ip` doesn't answer in JSON prints text, or nothing), is an E_READ error naming the
 * command and the line.
 */
export function docsByLine(stdout: string, lines: string[], argv: string[]): Map<string, unknown> {
  const printed = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const fail = (why: string) => new TopoError('E_READ', `reading the kernel failed: ${argv.join(' ')} ${why}`, 1);
  const out = new Map<string, unknown>();
  printed.forEach((text, i) => {
    try { out.set(lines[i] ?? `#${i}`, JSON.parse(text) as unknown); } catch {
      const due = i < lines.length ? ` where the answer to ${JSON.stringify(lines[i])} was due` : '';
      throw fail(`printed something that is not JSON${due}: ${JSON.stringify(text.slice(0, 80))}`);
    }
  });
  if (printed.length !== lines.length) {
    throw fail(`printed ${printed.length} JSON document(s) for its ${lines.length} show line(s) (${lines.join('; ')}): `
      + 'each must print one, so one of them is not answered in JSON');
  }
  return out;
}

/** The read shaped: topo's own documents as interfaces, routes and nsids, the kinds' (raw) in ipDocs. */
export function shapeRead(reads: IpRead[], byLine: Map<string, unknown>): ShapedRead {
  const doc = (name: string) => byLine.get(reads.find((r) => r.name === name)?.line ?? '');
  const out: ShapedRead = { links: linksOf(doc(LINKS.name)), routes: routesOf(doc(ROUTES.name)) };
  if (reads.some((r) => r.name === NSIDS.name)) out.nsids = nsidsOf(doc(NSIDS.name));
  const kinds = reads.filter((r) => !OWN.has(r.name));
  if (kinds.length) out.ipDocs = Object.fromEntries(kinds.map((r) => [r.name, byLine.get(r.line)]));
  return out;
}

/** What a batch ending with these reads' lines printed, taken by line and shaped. */
export const readOf = (reads: IpRead[], stdout: string, argv: string[]): ShapedRead =>
  shapeRead(reads, docsByLine(stdout, showLines(reads), argv));

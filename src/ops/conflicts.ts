// A declared object whose name is held by something the lab does not own: refuse, naming it, its owner (another
// lab, the host, nobody) and what to do about it. A conflict inside another one (an interface in a namespace that
// is someone else's) is that one's consequence: it is listed under its root cause, not as a problem of its own.
// Advice never includes removing what is not a lab's (the host's default route, a namespace made by hand).
import type { Conflict } from '../core/diff.js';
import { labIdentity } from '../core/lab.js';
import type { LiveSnapshot } from '../core/live.js';
import type { Blocker } from '../core/kind.js';
import { TopoError } from '../errors.js';
import { linkClaim, nsClaim } from '../core/claims.js';
import { HOST } from '../model.js';

/** At most this many consequences are named under their root cause; the rest are counted. */
const SHOWN = 5;

export function conflictError(lab: string, conflicts: Conflict[], snap?: LiveSnapshot): TopoError {
  const marks = snap ? marksOf(snap) : new Map<string, string>();
  const rootOf = rootCauses(conflicts);
  const roots = conflicts.filter((c) => rootOf.get(c) === c);
  const lines: string[] = [];
  const data = [];
  for (const r of roots) {
    const owner = ownerOf(r, marks);
    // An unmarked holder in this lab's own namespace (a rule someone added there) is neither another lab's nor this one's.
    const addedHere = owner === lab && !r.holderClaims.some((h) => marks.has(h));
    lines.push(`${r.label}${r.label === r.ns ? '' : ` in ${r.ns}`}: ${r.holder} ${addedHere ? addedBySomeone(r, lab) : whose(r, lab, owner)}`);
    const inside = conflicts.filter((c) => c !== r && rootOf.get(c) === r);
    if (inside.length) {
      const named = inside.slice(0, SHOWN).map((c) => `${c.label} (${c.holder})`).join('; ');
      lines.push(`  and inside it, ${inside.length} more in the way: ${named}${inside.length > SHOWN ? `; ... (${inside.length - SHOWN} more)` : ''}`);
    }
    data.push(describe(r, addedHere ? undefined : owner), ...inside.map((c) => ({ ...describe(c, ownerOf(c, marks)), cause: r.key })));
  }
  return new TopoError('E_NOT_OWNED', `refusing to touch objects this lab does not own:\n  ${lines.join('\n  ')}`, 1, {
    conflicts: data,
    hint: 'nothing was changed: topo only ever changes or deletes what its own lab created',
  });
}

/** What a conflict is in --json: the declared object, what holds its name, and that holder's lab if any. */
const describe = (c: Conflict, owner: string | undefined) =>
  ({ key: c.key, label: c.label, ns: c.ns, holder: c.holder, path: c.path, ...(owner ? { owner } : {}) });

const addedBySomeone = (c: Conflict, lab: string) => `was added in lab "${lab}"'s namespace ${c.holderNs} by someone else`
  + ' (it lacks the lab\'s mark): topo never takes over what it did not create; change this declaration in the file';

/** Who holds the name, and what to do instead. Removing the holder is advised only through its own lab. */
function whose(c: Conflict, lab: string, owner: string | undefined): string {
  if (owner) return `belongs to lab "${owner}": remove that lab first (topo destroy with its file), or rename it in this file`;
  const notOurs = `already exists and is not owned by lab "${lab}"`;
  if (c.holderNs === HOST) {
    return `${notOurs}: it is the host's own, which topo never changes; change this declaration in the file`;
  }
  return `${notOurs} (nor by any other lab): topo never takes over what it did not create; rename it in this file`;
}

/** Each conflict's root cause: the conflict whose claim it lives in (its namespace, its interface), or itself. */
function rootCauses(conflicts: Conflict[]): Map<Conflict, Conflict> {
  const byClaim = new Map<string, Conflict>();
  for (const c of conflicts) for (const claim of c.claims) if (!byClaim.has(claim)) byClaim.set(claim, c);
  const causeOf = (c: Conflict) => c.parents.map((p) => byClaim.get(p)).find((a) => a && a !== c);
  const out = new Map<Conflict, Conflict>();
  for (const c of conflicts) {
    let root = c;
    const seen = new Set([c]);
    for (let up = causeOf(root); up && !seen.has(up); up = causeOf(root)) { seen.add(up); root = up; }
    out.set(c, root);
  }
  return out;
}

/** The lab marks the kernel shows, by claim: every interface's alias, and every namespace's (its `lo`'s). */
function marksOf(snap: LiveSnapshot): Map<string, string> {
  const prefix = labIdentity('').alias;
  const out = new Map<string, string>();
  for (const n of Object.values(snap.ns)) {
    for (const l of n.links) {
      if (!l.ifalias?.startsWith(prefix)) continue;
      const owner = l.ifalias.slice(prefix.length);
      out.set(linkClaim(n.name, l.ifname), owner);
      if (l.ifname === 'lo' && n.name !== HOST) out.set(nsClaim(n.name), owner);
    }
  }
  return out;
}

/** The lab whose mark the holder carries, or that of the namespace it lives in (a route in another lab's). */
function ownerOf(c: Conflict, marks: Map<string, string>): string | undefined {
  for (const claim of [...c.holderClaims, nsClaim(c.holderNs)]) {
    const owner = marks.get(claim);
    if (owner) return owner;
  }
  return undefined;
}

/** What the plan leaves in the namespaces it deletes (Blocker.leave), as warnings. */
export function leftInside(lab: string, inside: Blocker[]): string[] {
  return inside.filter((f) => f.leave).map((f) => `${f.what ?? f.ifname} in ${f.ns} is not lab "${lab}"'s: left running, never signalled`
    + ` (the namespace's name is deleted; its network lives on as long as the process does)`);
}

/** Namespaces to delete hold interfaces the lab does not own: refuse, naming each one (those it may leave aside). */
export function foreignInsideError(lab: string, all: Blocker[]): TopoError {
  const inside = all.filter((f) => !f.leave);
  const lines = inside.map((f) => `${f.what ?? `interface ${f.ifname} (${f.kind})`} in ${f.ns} is not owned by lab "${lab}"`);
  const ifaces = inside.some((f) => !f.what), others = inside.some((f) => f.what);
  return new TopoError('E_NOT_OWNED', `refusing to delete namespaces that hold ${ifaces ? 'interfaces' : 'things'} the lab does not own (deleting a namespace deletes`
    + ` everything in it, and a veth's peer wherever it is${others ? '; a process topo did not start keeps the namespace\'s network alive, and topo never signals it' : ''}):\n  ${lines.join('\n  ')}`, 1, {
    inside,
    hint: [ifaces ? 'move them out (ip -n NS link set DEV netns NAME) or delete them yourself' : '', others ? 'stop those processes yourself' : ''].filter(Boolean).join('; ') + ', then run this again',
  });
}

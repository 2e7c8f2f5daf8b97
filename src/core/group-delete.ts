// Pure: one `ip link del group G` in place of many link deletions. When a plan takes away every interface of the
// lab's link group in a namespace that itself stays (the host, in a destroy), one message removes them all in a
// single kernel transaction (one RCU wait, not one per interface) and at once: left to the deletion of the
// namespaces on the other side of their veths, the host ends would go only with the kernel's asynchronous
// namespace cleanup, which verification would then have to wait for. Anything else in that namespace carrying the
// group (another lab's link, someone's own) keeps the per-link deletions: the group command would take it too.
import { claimedLink, linkClaim, namespacesDeleted, nsClaim } from './claims.js';
import { STAGES, type Change, type Plan, type Resource, type Step } from '../model.js';
import type { KindContext } from './kind.js';
import type { LiveSnapshot } from './live.js';

/** The kind of the step (made here, not by a kind). */
export const LINK_GROUP = 'link-group';
/** First in the stage where interfaces are deleted (see core/order.ts). */
const UNLINK = STAGES.indexOf('unlink') * 1000;
/** Fewer than this and the per-link deletions are as cheap and clearer to read. */
const MIN_LINKS = 2;

export function groupLinkDeletes(plan: Plan, snap: LiveSnapshot, ctx: KindContext): Plan {
  const group = String(ctx.lab.group);
  const nsDeleted = new Set(namespacesDeleted(plan.steps));
  // Deletions that remove interfaces (a veth: both ends; a bridge): those with interface names among their claims.
  const deletions = [...plan.steps, ...plan.subsumed].filter((c) => c.op === 'delete' && c.live!.claims.some((x) => claimedLink(x) !== undefined));
  let { steps, subsumed } = plan;
  for (const n of Object.values(snap.ns)) {
    if (n.shallow || nsDeleted.has(n.name)) continue;
    const inGroup = new Set(n.links.filter((l) => String(l.group) === group).map((l) => l.ifname));
    if (inGroup.size < MIN_LINKS) continue;
    const covered = deletions.filter((c) => linksIn(c, n.name).some((name) => inGroup.has(name)));
    const going = new Set(covered.flatMap((c) => linksIn(c, n.name)));
    if ([...inGroup].some((name) => !going.has(name))) continue; // something of the group stays
    const names = [...inGroup].sort();
    const key = `link-group:${n.name}/${group}`, label = `${group}: ${preview(names)} (${names.length} interfaces)`;
    const live: Resource = { kind: LINK_GROUP, key, ns: n.name, label, props: { group, names },
      claims: names.map((x) => linkClaim(n.name, x)), parents: [nsClaim(n.name)], owned: true };
    const step: Step = { op: 'delete', kind: LINK_GROUP, key, ns: n.name, label, live, rank: UNLINK, stage: 'unlink',
      cmds: [{ ns: n.name, tool: 'ip', args: ['link', 'del', 'group', group] }] };
    const taken = new Set<Change>(covered);
    steps = [...steps.filter((s) => !taken.has(s)), step];
    subsumed = [...subsumed.filter((c) => !taken.has(c)), ...covered.map(asChange)];
  }
  if (steps === plan.steps) return plan;
  return { ...plan, steps: steps.sort((a, b) => a.rank - b.rank), subsumed };
}

/** Interface names a link deletion removes in namespace ns (from its claims, "link:ns/name"). */
function linksIn(c: Change, ns: string): string[] {
  const prefix = `link:${ns}/`;
  return (c.live?.claims ?? []).filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
}

function asChange(c: Change): Change {
  const { op, kind, key, ns, label, desired, live, fields } = c;
  return { op, kind, key, ns, label, desired, live, fields };
}

const preview = (names: string[]) => (names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, … ${names[names.length - 1]}`);

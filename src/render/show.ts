// `topo show`: the lab's live objects per namespace, and the drift between them and the file.
import { nameOrder } from '../core/names.js';
import { kindNamed } from '../kinds/index.js';
import { HOST, type Resource } from '../model.js';
import type { Observed } from '../ops/observe.js';
import { changeJson, describeStep, visibleSteps } from './plan.js';

/** The lab's objects of the kinds that are shown (Kind.show). */
const shown = (obs: Observed) => obs.live.filter((r) => r.owned && kindNamed(r.kind)?.show);

export function showJson(obs: Observed) {
  const owned = shown(obs);
  return {
    lab: obs.ctx.lab.name,
    namespaces: Object.fromEntries(groupByNs(owned).map(([ns, rs]) => [ns, rs.map((r) => ({ kind: r.kind, key: r.key, label: r.label, props: r.props }))])),
    drift: visibleSteps(obs.plan).map(changeJson),
    conflicts: obs.conflicts,
  };
}

export function showText(obs: Observed): string {
  const owned = shown(obs);
  let out = `lab ${obs.ctx.lab.name}\n`;
  if (!owned.length) out += '  nothing of this lab exists in the kernel\n';
  for (const [ns, rs] of groupByNs(owned)) {
    out += `namespace ${ns}\n`;
    for (const r of rs) out += `  ${r.kind.padEnd(9)} ${r.label}${kindNamed(r.kind)?.show?.detail?.(r) ?? ''}\n`;
  }
  const drift = visibleSteps(obs.plan);
  out += drift.length ? `drift against the file (${drift.length}):\n` : 'in sync with the file\n';
  const word = { create: 'missing', update: 'differs', delete: 'not in file' } as const;
  for (const s of drift) out += `  ${word[s.op].padEnd(11)} ${s.ns}: ${describeStep(s)}\n`;
  for (const c of obs.conflicts) out += `  conflict    ${c.ns}: ${c.label} is held by ${c.holder}\n`;
  return out;
}

function groupByNs(rs: Resource[]): [string, Resource[]][] {
  const m = new Map<string, Resource[]>();
  for (const r of rs) (m.get(r.ns) ?? m.set(r.ns, []).get(r.ns)!).push(r);
  return [...m.entries()].sort(([a], [b]) => (a === HOST ? -1 : b === HOST ? 1 : nameOrder(a, b)));
}

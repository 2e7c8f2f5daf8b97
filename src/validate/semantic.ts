// Checks the schema can't express: references between parts of the file, uniqueness, host restrictions.
// Pure; runs only on a schema-valid topology; reports every problem it finds, each with the path of its node.
import type { CheckOptions } from '../core/kind.js';
import { KINDS } from '../kinds/index.js';
import { HOST, type Topology } from '../model.js';
import { pointer, type Finding } from '../core/finding.js';
import { ifKey, indexLab, type LabIndex } from './lab-index.js';
import { addressFindings } from './semantic-addresses.js';
import { networkFindings } from './semantic-net.js';
import { routingFindings } from './semantic-routing.js';
import { segmentFindings } from './semantic-segments.js';
import { testFindings } from './semantic-tests.js';
import { didYouMean } from '../core/suggest.js';

export type SemanticOptions = CheckOptions;

export function semanticFindings(t: Topology, opts: SemanticOptions = {}): Finding[] {
  const ix = indexLab(t);
  const out: Finding[] = [];
  namespaceRefs(t, ix, out);
  interfaces(ix, out);
  for (const k of KINDS) if (k.check) out.push(...k.check(ix, opts));
  out.push(...networkFindings(t, ix), ...addressFindings(ix), ...segmentFindings(ix), ...routingFindings(t, ix), ...testFindings(t, ix));
  return out;
}

export function unknownNamespace(ix: LabIndex, name: string, path: string): Finding {
  return {
    code: 'unknown-namespace', path,
    message: `namespace ${JSON.stringify(name)} is not declared${didYouMean(name, ix.namespaces)}`,
    hint: `declare it under "namespaces:" (${name}: {}), or use "host" for the namespace topo runs in`,
  };
}

function namespaceRefs(t: Topology, ix: LabIndex, out: Finding[]): void {
  const check = (ns: string | undefined, path: string) => {
    if (ns !== undefined && !ix.namespaces.has(ns)) out.push(unknownNamespace(ix, ns, path));
  };
  for (const f of ix.ifaces) check(f.ns, `${f.base}/namespace`);
  (t.tests ?? []).forEach((x, i) => check(x.from, pointer('tests', i, 'from')));
}

/** Names the kernel keeps for itself: `lo`, and the `all` / `default` entries of net.ipv4.conf (it refuses them: EINVAL). */
const RESERVED_IF = new Map([
  ['lo', 'is the loopback interface of every namespace'],
  ['all', 'is reserved by the kernel (net.ipv4.conf.all holds the settings of all interfaces; `ip link add` refuses the name)'],
  ['default', 'is reserved by the kernel (net.ipv4.conf.default holds the settings of new interfaces; `ip link add` refuses the name)'],
]);

/** Interface names: unique per namespace, not "lo", and a veth can't be connected to itself. */
function interfaces(ix: LabIndex, out: Finding[]): void {
  const seen = new Map<string, (typeof ix.ifaces)[number]>();
  for (const f of ix.ifaces) {
    const where = f.ns === HOST ? 'the host namespace' : `namespace ${JSON.stringify(f.ns)}`;
    const reserved = RESERVED_IF.get(f.name);
    if (reserved) {
      out.push({ code: 'reserved-name', path: f.path, at: f.at, message: `${JSON.stringify(f.name)} ${reserved}; it can't be a ${f.role}`, hint: 'pick another name' });
      continue;
    }
    const k = ifKey(f.ns, f.name);
    const first = seen.get(k);
    if (!first) { seen.set(k, f); continue; }
    if (first.wire !== undefined && first.wire.id === f.wire?.id) {
      out.push({ code: 'veth-loop', path: f.path, at: f.at, message: `both ends of this ${f.wire.label} are ${JSON.stringify(f.name)} in ${where}`, hint: 'the two ends of a veth are two interfaces: give them different names or namespaces' });
      continue;
    }
    out.push({
      code: 'duplicate-interface', path: f.path, at: f.at, related: first.path,
      message: `interface ${JSON.stringify(f.name)} is declared twice in ${where}${first.role === f.role ? '' : ` (as a ${first.role} and as a ${f.role})`}`,
      hint: 'interface names must be unique within a namespace',
    });
  }
}

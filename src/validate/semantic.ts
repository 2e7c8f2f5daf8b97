// Checks the schema can't express: references between parts of the file, uniqueness, host restrictions.
// Pure; runs only on a schema-valid topology; reports every problem it finds, each with the path of its node.
import { HOST, type Topology } from '../model.js';
import { pointer, type Finding } from '../core/finding.js';
import { ifacesOf, ifKey, indexLab, type LabIndex } from './lab-index.js';
import { addressFindings } from './semantic-addresses.js';
import { networkFindings } from './semantic-net.js';
import { routingFindings } from './semantic-routing.js';
import { segmentFindings } from './semantic-segments.js';
import { didYouMean } from './suggest.js';

export interface SemanticOptions {
  /** false: the `nft` command is missing (NAT can't be applied). undefined: not checked. */
  nftAvailable?: boolean;
  /**
   * The running kernel's network sysctls (io/sysctl-names.ts: "net.ipv4.ip_forward", "net.ipv4.conf.*.forwarding");
   * a declared one not among them is warned about. undefined: not checked.
   */
  knownSysctls?: ReadonlySet<string>;
}

export function semanticFindings(t: Topology, opts: SemanticOptions = {}): Finding[] {
  const ix = indexLab(t);
  const out: Finding[] = [];
  namespaceRefs(t, ix, out);
  interfaces(ix, out);
  bridgePorts(t, ix, out);
  namespaceSpecs(t, out, opts);
  out.push(...networkFindings(t, ix), ...addressFindings(ix), ...segmentFindings(ix), ...routingFindings(t, ix));
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
  for (const [name, b] of Object.entries(t.bridges ?? {})) check(b?.namespace, pointer('bridges', name, 'namespace'));
  (t.veths ?? []).forEach((v, i) => v.ends.forEach((e, j) => check(e.namespace, pointer('veths', i, 'ends', j, 'namespace'))));
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
      out.push({ code: 'reserved-name', path: f.path, at: f.at, message: `${JSON.stringify(f.name)} ${reserved}; it can't be a ${f.kind}`, hint: 'pick another name' });
      continue;
    }
    const k = ifKey(f.ns, f.name);
    const first = seen.get(k);
    if (!first) { seen.set(k, f); continue; }
    if (first.veth !== undefined && first.veth === f.veth) {
      out.push({ code: 'veth-loop', path: f.path, at: f.at, message: `both ends of this veth are ${JSON.stringify(f.name)} in ${where}`, hint: 'the two ends of a veth are two interfaces: give them different names or namespaces' });
      continue;
    }
    out.push({
      code: 'duplicate-interface', path: f.path, at: f.at, related: first.path,
      message: `interface ${JSON.stringify(f.name)} is declared twice in ${where}${first.kind === f.kind ? '' : ` (as a ${first.kind} and as a ${f.kind})`}`,
      hint: 'interface names must be unique within a namespace',
    });
  }
}

/** end.bridge: a bridge of the lab in the end's own namespace. */
function bridgePorts(t: Topology, ix: LabIndex, out: Finding[]): void {
  (t.veths ?? []).forEach((v, i) => v.ends.forEach((e, j) => {
    if (e.bridge === undefined) return;
    const path = pointer('veths', i, 'ends', j, 'bridge');
    const ns = e.namespace ?? HOST;
    if (ix.bridges.has(ifKey(ns, e.bridge))) return;
    const elsewhere = [...ix.bridges.values()].find((b) => b.name === e.bridge);
    if (elsewhere) {
      out.push({
        code: 'bridge-namespace', path, related: elsewhere.path,
        message: `bridge ${JSON.stringify(e.bridge)} is in namespace ${JSON.stringify(elsewhere.ns)}, but this end (${e.name}) is in namespace ${JSON.stringify(ns)}`,
        hint: `a bridge port must be in the bridge's namespace: move the end to ${elsewhere.ns}, or declare a bridge ${e.bridge} in ${ns} (namespaces: { ${ns}: { bridges: { ${e.bridge}: {} } } })`,
      });
      return;
    }
    const local = ifacesOf(ix, ns).filter((f) => f.kind === 'bridge').map((f) => f.name);
    out.push({
      code: 'unknown-bridge', path, message: `bridge ${JSON.stringify(e.bridge)} is not declared${didYouMean(e.bridge, local.length ? local : [...ix.bridges.values()].map((b) => b.name))}`,
      hint: `declare it under its namespace: namespaces: { ${ns}: { bridges: { ${e.bridge}: {} } } }`,
    });
  }));
}

function namespaceSpecs(t: Topology, out: Finding[], opts: SemanticOptions): void {
  let natReported = false;
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    if (!spec) continue;
    if (ns === HOST && spec.loopback !== undefined) {
      out.push({ code: 'host-loopback', path: pointer('namespaces', ns, 'loopback'), at: 'key', message: '"loopback" is not allowed on host: topo does not manage the host\'s lo', hint: 'remove it' });
    }
    for (const key of Object.keys(spec.sysctls ?? {})) {
      if (key.startsWith('net.')) {
        if (opts.knownSysctls && !sysctlKnown(key, opts.knownSysctls)) {
          out.push({
            code: 'unknown-sysctl', severity: 'warning', path: pointer('namespaces', ns, 'sysctls', key), at: 'key',
            message: `sysctl ${JSON.stringify(key)} does not exist in this kernel${didYouMean(key, opts.knownSysctls)}: apply would fail`,
            hint: 'a sysctl of a module not loaded yet appears once it is (modprobe); a per-interface one is written net.ipv4.conf.<interface>.<name>',
          });
        }
        continue;
      }
      out.push({
        code: 'sysctl-not-net', path: pointer('namespaces', ns, 'sysctls', key), at: 'key',
        message: `sysctl ${JSON.stringify(key)} is not a network sysctl: only net.* sysctls belong to a namespace`,
        hint: 'other sysctls are global to the machine; set them outside topo',
      });
    }
    if (spec.nat && opts.nftAvailable === false && !natReported) {
      natReported = true;
      out.push({
        code: 'nft-missing', path: pointer('namespaces', ns, 'nat'), at: 'key',
        message: 'NAT rules need the `nft` command, which is not installed',
        hint: 'nft is provided by the Debian package nftables: apt-get install nftables',
      });
    }
  }
}

/** A known name, or one with an interface in place of a per-interface directory's `*` (net.ipv4.conf.veth1.forwarding). */
function sysctlKnown(key: string, known: ReadonlySet<string>): boolean {
  if (known.has(key)) return true;
  const segs = key.split('.');
  return segs.some((_, i) => i > 0 && known.has([...segs.slice(0, i), '*', ...segs.slice(i + 1)].join('.')));
}

// The file `topo import` prints: a comment header (what was imported, from where and when, what was left out and
// why, and how to take hand-made objects over), then the topology as YAML in the examples' style (veth ends,
// routes and neighbours one per line). The `yaml` package comes through validate/yaml-lib.ts, loaded on first use:
// imported here statically, it was bundled into the CLI (dist/topo.cjs) and parsed at the start of every command (260 KB of
// the bundle's 1.9 MB) for this one command's output.
import type { Node } from 'yaml';
import type { Topology } from '../model.js';
import { yamlLib } from '../validate/yaml-lib.js';

const isMap = (n: unknown) => yamlLib().isMap(n);
const isSeq = (n: unknown) => yamlLib().isSeq(n);

export interface ImportReport {
  topo: Topology;
  namespaces: string[];
  skipped: { ns: string; what: string; why: string }[];
  nameFrom: 'option' | 'marks';
  /** Imported namespaces that carry a lab's mark, by that lab's name. */
  marked: Record<string, string>;
}

/** What import never reads, said in every header (so nothing is left out unsaid). */
export const NOT_READ = [
  'processes running in the namespaces (run:)',
  'files under /etc/netns/<ns> (hosts:, dns:)',
  'queueing disciplines (shape:)',
  'sysctls other than net.ipv4.ip_forward and net.ipv6.conf.all.forwarding',
  'IPv6 policy rules',
  'routing table names (rt_tables)',
  'MAC addresses (random unless declared: add mac: to hold one)',
];

export function importHeader(r: ImportReport, at: Date, version: string): string[] {
  const lines = [
    `Imported by topo ${version} (topo import) from the live kernel at ${at.toISOString()}.`,
    `Namespaces: ${r.namespaces.join(', ')}; with them the host's ends of their veths, the host bridges those are ports of,`,
    `the host's veths and bridges marked as lab ${r.topo.name}'s, the host routes through those interfaces, and IP forwarding`,
    'where it is on.',
    `Lab name: ${r.topo.name}${r.nameFrom === 'marks' ? ' (from the topo marks of the namespaces)' : ''}.`,
  ];
  if (r.skipped.length) {
    lines.push(`Not imported (${r.skipped.length}):`);
    for (const s of r.skipped) {
      const where = s.what.startsWith('namespace ') ? '' : s.ns === 'host' ? 'host: ' : `namespace ${s.ns}: `;
      lines.push(`  - ${where}${s.what}: ${s.why}`);
    }
  } else {
    lines.push('Not imported: nothing else was found.');
  }
  lines.push(`Never read by import: ${NOT_READ.join('; ')}.`);
  const foreign = r.namespaces.filter((n) => r.marked[n] !== r.topo.name);
  if (foreign.length) {
    lines.push(
      `Namespaces not marked as lab ${r.topo.name}'s: ${foreign.join(', ')}. topo adopts nothing silently: \`topo apply\` of this`,
      'file over them reports conflicts and changes nothing. To manage them with topo, delete them first',
      `(${foreign.map((n) => `ip netns del ${n}`).join('; ')}, and the host objects listed above) and apply this file.`,
    );
  }
  return lines;
}

export function renderImport(r: ImportReport, at: Date, version: string): string {
  const { Document } = yamlLib();
  const doc = new Document(r.topo);
  doc.commentBefore = importHeader(r, at, version).map((l) => ` ${l}`).join('\n');
  flowItems(doc.get('veths', true) as Node | undefined, ['ends']);
  const nss = doc.get('namespaces', true) as Node | undefined;
  if (isMap(nss)) {
    for (const item of nss.items) {
      const spec = item.value;
      if (!isMap(spec)) continue;
      if (spec.items.length === 0) spec.flow = true; // `ns1: {}`
      for (const key of ['routes', 'neighbours', 'rules']) flowItems(spec.get(key, true) as Node | undefined, []);
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** Each item of a sequence (or, with `inner`, of the sequence under that key of each item) on one line. */
function flowItems(seq: Node | undefined, inner: string[]): void {
  if (!isSeq(seq)) return;
  for (const item of seq.items) {
    if (inner.length && isMap(item)) flowItems(item.get(inner[0], true) as Node | undefined, inner.slice(1));
    else if (isMap(item)) item.flow = true;
  }
}

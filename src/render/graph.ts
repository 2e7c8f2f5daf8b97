// `topo graph`: a picture of the lab from the file alone (no kernel access). Namespaces are boxes holding their
// interfaces (with addresses) and bridges; veth pairs are solid edges, bridge ports dashed ones; NAT is a note
// inside its namespace. One neutral model, two writers: Mermaid (default) and Graphviz DOT.
import { bridgesOf, HOST, type NatSpec, type Topology } from '../model.js';

interface GNode { id: string; ns: string; name: string; kind: 'veth' | 'bridge'; addresses: string[] }
interface GNs { id: string; name: string; notes: string[]; nat: string[] }
interface GEdge { a: string; b: string; kind: 'veth' | 'port' }
export interface LabGraph { lab: string; namespaces: GNs[]; nodes: GNode[]; edges: GEdge[] }

export function labGraph(topo: Topology): LabGraph {
  const nsNames: string[] = [];
  const nsOf = (n: string | undefined) => { const name = n ?? HOST; if (!nsNames.includes(name)) nsNames.push(name); return name; };
  for (const n of Object.keys(topo.namespaces ?? {})) nsOf(n);
  const nodes: GNode[] = [];
  const node = (ns: string, name: string, kind: GNode['kind'], addresses: string[] = []) => {
    const n: GNode = { id: `if${nodes.length}`, ns, name, kind, addresses };
    nodes.push(n);
    return n;
  };
  const bridges = new Map<string, GNode>(); // by "ns/name": two namespaces may each have a br0
  for (const b of bridgesOf(topo)) bridges.set(`${nsOf(b.ns)}/${b.name}`, node(b.ns, b.name, 'bridge', b.spec.addresses));
  const edges: GEdge[] = [];
  for (const v of topo.veths ?? []) {
    const [a, b] = v.ends.map((e) => node(nsOf(e.namespace), e.name, 'veth', e.addresses));
    edges.push({ a: a.id, b: b.id, kind: 'veth' });
    v.ends.forEach((e, i) => {
      const br = e.bridge ? bridges.get(`${e.namespace ?? HOST}/${e.bridge}`) : undefined;
      if (br) edges.push({ a: [a, b][i].id, b: br.id, kind: 'port' });
    });
  }
  const namespaces = nsNames.map((name, i): GNs => {
    const spec = topo.namespaces?.[name];
    const notes = [
      ...(name === HOST ? ['where topo runs'] : []),
      ...(String(spec?.sysctls?.['net.ipv4.ip_forward'] ?? '') === '1' ? ['IPv4 forwarding'] : []),
      ...(spec?.routes ?? []).map((r) => `route ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`),
    ];
    return { id: `ns${i}`, name, notes, nat: spec?.nat ? natLines(spec.nat) : [] };
  });
  return { lab: topo.name, namespaces, nodes, edges };
}

function natLines(nat: NatSpec): string[] {
  return [
    ...(nat.masquerade ?? []).map((m) => `masquerade ${m.from ?? 'all'} out ${m.out}`),
    ...(nat.forward ?? []).map((f) => `forward ${f.proto}/${f.port} on ${f.in} → ${f.to}`),
  ];
}

// ---- Mermaid ----

const mq = (s: string) => s.replace(/"/g, '#quot;');

export function graphMermaid(topo: Topology): string {
  const g = labGraph(topo);
  let out = `%% lab ${g.lab} (topo graph)\nflowchart LR\n`;
  for (const ns of g.namespaces) {
    const title = [ns.name, ...(ns.nat.length ? ['NAT'] : [])].join(' · ');
    out += `  subgraph ${ns.id}["${mq(title)}"]\n    direction TB\n`;
    const inside = g.nodes.filter((n) => n.ns === ns.name);
    for (const n of inside) {
      const label = mq([n.kind === 'bridge' ? `${n.name} (bridge)` : n.name, ...n.addresses].join('<br/>'));
      out += n.kind === 'bridge' ? `    ${n.id}[["${label}"]]\n` : `    ${n.id}["${label}"]\n`;
    }
    if (ns.notes.length) out += `    ${ns.id}_info>"${mq(ns.notes.join('<br/>'))}"]\n`;
    if (ns.nat.length) out += `    ${ns.id}_nat{{"${mq(['NAT', ...ns.nat].join('<br/>'))}"}}\n`;
    if (!inside.length && !ns.notes.length && !ns.nat.length) out += `    ${ns.id}_empty["(no interfaces)"]\n`;
    out += '  end\n';
  }
  for (const e of g.edges) out += e.kind === 'veth' ? `  ${e.a} ---|veth| ${e.b}\n` : `  ${e.a} -.-|port| ${e.b}\n`;
  const nats = g.namespaces.filter((n) => n.nat.length).map((n) => `${n.id}_nat`);
  const infos = g.namespaces.filter((n) => n.notes.length).map((n) => `${n.id}_info`);
  out += '  classDef nat fill:#fde2e2,stroke:#c0392b,color:#000\n  classDef info fill:#f4f4f4,stroke:#999,color:#333\n';
  out += '  classDef bridge fill:#e3f0fb,stroke:#2e6da4,color:#000\n';
  if (nats.length) out += `  class ${nats.join(',')} nat\n`;
  if (infos.length) out += `  class ${infos.join(',')} info\n`;
  const brs = g.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id);
  if (brs.length) out += `  class ${brs.join(',')} bridge\n`;
  return out;
}

// ---- Graphviz DOT ----

const dq = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function graphDot(topo: Topology): string {
  const g = labGraph(topo);
  const font = 'fontname="Helvetica"';
  let out = `graph ${dq(g.lab)} {\n  rankdir=LR; ${font}; labelloc=t; label=${dq(`lab ${g.lab}`)};\n`;
  out += `  node [${font}, fontsize=11, shape=box, style="rounded"];\n  edge [${font}, fontsize=9];\n`;
  for (const ns of g.namespaces) {
    const title = [ns.name, ...(ns.nat.length ? ['(NAT)'] : [])].join(' ');
    out += `  subgraph cluster_${ns.id} {\n    label=${dq(title)}; style="rounded"; color="#777777";\n`;
    const inside = g.nodes.filter((n) => n.ns === ns.name);
    for (const n of inside) {
      const label = [n.kind === 'bridge' ? `${n.name} (bridge)` : n.name, ...n.addresses].join('\n');
      out += n.kind === 'bridge'
        ? `    ${n.id} [label=${dq(label)}, style="rounded,filled", fillcolor="#e3f0fb", color="#2e6da4"];\n`
        : `    ${n.id} [label=${dq(label)}];\n`;
    }
    if (ns.notes.length) out += `    ${ns.id}_info [label=${dq(ns.notes.join('\n'))}, shape=plaintext, fontsize=9, fontcolor="#555555"];\n`;
    if (ns.nat.length) out += `    ${ns.id}_nat [label=${dq(['NAT', ...ns.nat].join('\n'))}, shape=note, style=filled, fillcolor="#fde2e2", color="#c0392b"];\n`;
    if (!inside.length && !ns.notes.length && !ns.nat.length) out += `    ${ns.id}_empty [label="(no interfaces)", shape=plaintext];\n`;
    out += '  }\n';
  }
  for (const e of g.edges) {
    out += e.kind === 'veth' ? `  ${e.a} -- ${e.b} [label="veth", penwidth=2];\n` : `  ${e.a} -- ${e.b} [style=dashed, color="#2e6da4"];\n`;
  }
  return `${out}}\n`;
}

// `topo graph`: a picture of the lab from the file alone (no kernel access), drawn from its resolved model.
// Namespaces are boxes holding their interfaces (with addresses), bridges drawn as switches; wires (veth pairs, and
// an interface stacked on another to that one) are solid edges, bridge ports dashed ones; the kinds add notes (routes, forwarding), NAT rules and notes on an interface (its shaping). One neutral model, two writers: Mermaid (default) and Graphviz DOT.
import { resolveLab } from '../core/lab-model.js';
import { KINDS } from '../kinds/index.js';
import { HOST, type Topology } from '../model.js';

/** `ports`: an interface that takes ports (a bridge), drawn as a switch; `notes`: the kinds' notes on it (its shaping). */
interface GNode { id: string; ns: string; name: string; role: string; ports: boolean; addresses: string[]; notes: string[] }
/** `boxes`: notes a kind draws apart, under a title (the NAT rules), with an id for the picture. */
interface GBox { title: string; id: string; lines: string[] }
interface GNs { id: string; name: string; notes: string[]; boxes: GBox[] }
/** A wire (a veth pair, or a stacked interface's tie to its lower one: `label` names it) or a port's tie to its bridge. */
interface GEdge { a: string; b: string; kind: 'wire' | 'port'; label?: string }
export interface LabGraph { lab: string; namespaces: GNs[]; nodes: GNode[]; edges: GEdge[] }

/** The graph of the resolved model: every kind's interfaces, wires and ports; the kinds' notes per namespace. */
export function labGraph(topo: Topology): LabGraph {
  const model = resolveLab(topo, KINDS);
  const nsNames: string[] = [];
  const nsOf = (name: string) => { if (!nsNames.includes(name)) nsNames.push(name); return name; };
  for (const n of Object.keys(topo.namespaces ?? {})) nsOf(n);
  const nodes: GNode[] = model.ifaces.map((f, i) => ({
    id: `if${i}`, ns: nsOf(f.ns), name: f.name, role: f.role, ports: f.ports === true, addresses: f.addresses.map((a) => a.text), notes: [],
  }));
  // A wire once both its ends are known, followed by their ports; a port not on a wire where it is declared. A
  // wire may join more than two interfaces (tunnel endpoints of one network: edges from the first to each other)
  // or just one (the others are elsewhere): each port's tie is drawn once, the last ones after the loop.
  const edges: GEdge[] = [];
  const ported = new Set<number>();
  const port = (i: number) => {
    if (ported.has(i)) return;
    ported.add(i);
    const f = model.ifaces[i];
    const master = f.master !== undefined ? model.masters.get(`${f.ns}/${f.master}`) : undefined;
    if (master) edges.push({ a: nodes[i].id, b: nodes[model.ifaces.indexOf(master)].id, kind: 'port' });
  };
  const onWire = new Map<string, number>();
  model.ifaces.forEach((f, i) => {
    if (!f.wire) { port(i); return; }
    const other = onWire.get(f.wire.id);
    if (other === undefined) { onWire.set(f.wire.id, i); return; }
    edges.push({ a: nodes[other].id, b: nodes[i].id, kind: 'wire', label: f.wire.label });
    port(other);
    port(i);
  });
  model.ifaces.forEach((_, i) => port(i));
  // An interface stacked on a declared one (a macvlan on its parent) is wired to it, labelled with what it is.
  model.ifaces.forEach((f, i) => {
    const lower = f.lower && model.byKey.get(`${f.lower.ns}/${f.lower.name}`);
    if (lower) edges.push({ a: nodes[model.ifaces.indexOf(lower)].id, b: nodes[i].id, kind: 'wire', label: f.role });
  });
  const namespaces = nsNames.map((name, i): GNs => {
    const notes = KINDS.flatMap((k) => k.draw?.(model, name) ?? []);
    for (const n of notes) if (n.iface !== undefined) nodes.find((x) => x.ns === name && x.name === n.iface)?.notes.push(n.text);
    return {
      id: `ns${i}`, name,
      notes: [...(name === HOST ? ['where topo runs'] : []), ...notes.filter((n) => !n.box && n.iface === undefined).map((n) => n.text)],
      boxes: [...new Set(notes.flatMap((n) => (n.box ? [n.box] : [])))].map((title) => ({
        title, id: title.toLowerCase().replace(/[^a-z0-9]/g, ''), lines: notes.filter((n) => n.box === title).map((n) => n.text),
      })),
    };
  });
  return { lab: topo.name, namespaces, nodes, edges };
}

// ---- Mermaid ----

const mq = (s: string) => s.replace(/"/g, '#quot;');

export function graphMermaid(topo: Topology): string {
  const g = labGraph(topo);
  let out = `%% lab ${g.lab} (topo graph)\nflowchart LR\n`;
  for (const ns of g.namespaces) {
    const title = [ns.name, ...ns.boxes.map((b) => b.title)].join(' · ');
    out += `  subgraph ${ns.id}["${mq(title)}"]\n    direction TB\n`;
    const inside = g.nodes.filter((n) => n.ns === ns.name);
    for (const n of inside) {
      const label = mq([n.ports ? `${n.name} (${n.role})` : n.name, ...n.addresses, ...n.notes].join('<br/>'));
      out += n.ports ? `    ${n.id}[["${label}"]]\n` : `    ${n.id}["${label}"]\n`;
    }
    if (ns.notes.length) out += `    ${ns.id}_info>"${mq(ns.notes.join('<br/>'))}"]\n`;
    for (const b of ns.boxes) out += `    ${ns.id}_${b.id}{{"${mq([b.title, ...b.lines].join('<br/>'))}"}}\n`;
    if (!inside.length && !ns.notes.length && !ns.boxes.length) out += `    ${ns.id}_empty["(no interfaces)"]\n`;
    out += '  end\n';
  }
  for (const e of g.edges) out += e.kind === 'wire' ? `  ${e.a} ---|${e.label}| ${e.b}\n` : `  ${e.a} -.-|port| ${e.b}\n`;
  const boxes = g.namespaces.flatMap((n) => n.boxes.map((b) => `${n.id}_${b.id}`));
  const infos = g.namespaces.filter((n) => n.notes.length).map((n) => `${n.id}_info`);
  out += '  classDef box fill:#fde2e2,stroke:#c0392b,color:#000\n  classDef info fill:#f4f4f4,stroke:#999,color:#333\n';
  out += '  classDef bridge fill:#e3f0fb,stroke:#2e6da4,color:#000\n';
  if (boxes.length) out += `  class ${boxes.join(',')} box\n`;
  if (infos.length) out += `  class ${infos.join(',')} info\n`;
  const brs = g.nodes.filter((n) => n.ports).map((n) => n.id);
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
    const title = [ns.name, ...ns.boxes.map((b) => `(${b.title})`)].join(' ');
    out += `  subgraph cluster_${ns.id} {\n    label=${dq(title)}; style="rounded"; color="#777777";\n`;
    const inside = g.nodes.filter((n) => n.ns === ns.name);
    for (const n of inside) {
      const label = [n.ports ? `${n.name} (${n.role})` : n.name, ...n.addresses, ...n.notes].join('\n');
      out += n.ports
        ? `    ${n.id} [label=${dq(label)}, style="rounded,filled", fillcolor="#e3f0fb", color="#2e6da4"];\n`
        : `    ${n.id} [label=${dq(label)}];\n`;
    }
    if (ns.notes.length) out += `    ${ns.id}_info [label=${dq(ns.notes.join('\n'))}, shape=plaintext, fontsize=9, fontcolor="#555555"];\n`;
    for (const b of ns.boxes) out += `    ${ns.id}_${b.id} [label=${dq([b.title, ...b.lines].join('\n'))}, shape=note, style=filled, fillcolor="#fde2e2", color="#c0392b"];\n`;
    if (!inside.length && !ns.notes.length && !ns.boxes.length) out += `    ${ns.id}_empty [label="(no interfaces)", shape=plaintext];\n`;
    out += '  }\n';
  }
  for (const e of g.edges) {
    out += e.kind === 'wire' ? `  ${e.a} -- ${e.b} [label=${dq(e.label ?? '')}, penwidth=2];\n` : `  ${e.a} -- ${e.b} [style=dashed, color="#2e6da4"];\n`;
  }
  return `${out}}\n`;
}

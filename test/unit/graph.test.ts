// topo graph: the lab as Mermaid and DOT, from the file alone. Checks that every namespace, interface, address,
// veth pair, bridge port and NAT rule of an example is in the picture, and that labels are escaped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { graphDot, graphMermaid, labGraph } from '../../src/render/graph.js';
import { validateText } from '../../src/validate/index.js';
import type { Topology } from '../../src/model.js';

const load = (name: string): Topology => {
  const { topo, problems } = validateText(readFileSync(new URL(`../../examples/${name}`, import.meta.url)), name);
  if (!topo) throw new Error(JSON.stringify(problems));
  return topo;
};

describe('labGraph', () => {
  it('puts interfaces in their namespaces, veth pairs and bridge ports as edges, NAT on its namespace', () => {
    const g = labGraph(load('router-portforward.yaml'));
    expect(g.namespaces.map((n) => n.name)).toEqual(['router', 'client', 'web', 'server']);
    const at = (ns: string) => g.nodes.filter((n) => n.ns === ns).map((n) => n.name).sort();
    expect(at('router')).toEqual(['br-lan', 'veth-client', 'veth-wan', 'veth-web']);
    expect(at('server')).toEqual(['eth0']);
    expect(g.edges.filter((e) => e.kind === 'wire' && e.label === 'veth')).toHaveLength(3);
    expect(g.edges.filter((e) => e.kind === 'port')).toHaveLength(2);
    expect(g.namespaces.find((n) => n.name === 'router')!.boxes.find((b) => b.title === 'NAT')?.lines).toEqual([
      'masquerade 10.0.1.0/24 out veth-wan', 'forward tcp/8080 on veth-wan → 10.0.1.2:80',
    ]);
  });

  it('adds the host when the lab puts something there', () => {
    const g = labGraph(load('nat-node.yaml'));
    expect(g.namespaces.map((n) => n.name)).toContain('host');
    expect(g.nodes.find((n) => n.name === 'br0')!.ns).toBe('host');
    expect(g.namespaces.find((n) => n.name === 'host')!.boxes.find((b) => b.title === 'NAT')?.lines).toEqual(['masquerade 172.16.0.0/24 out uplink']);
  });
});

describe('graphMermaid', () => {
  const text = graphMermaid(load('router-portforward.yaml'));

  it('is a flowchart with one subgraph per namespace', () => {
    expect(text.split('\n')[1]).toBe('flowchart LR');
    expect(text.match(/^ {2}subgraph /gm)).toHaveLength(4);
    expect(text.match(/^ {2}end$/gm)).toHaveLength(4);
    expect(text).toContain('subgraph ns0["router · NAT"]');
  });

  it('shows every address and every link', () => {
    for (const a of ['10.0.1.1/24', '198.51.100.1/24', '10.0.1.3/24', '10.0.1.2/24', '198.51.100.2/24']) expect(text).toContain(a);
    expect(text.match(/---\|veth\|/g)).toHaveLength(3);
    expect(text.match(/-\.-\|port\|/g)).toHaveLength(2);
    expect(text).toMatch(/ns0_nat\{\{"NAT<br\/>masquerade 10\.0\.1\.0\/24 out veth-wan<br\/>forward tcp\/8080 on veth-wan → 10\.0\.1\.2:80"\}\}/);
  });

  it('escapes quotes in labels', () => {
    const t = graphMermaid({ name: 'q', namespaces: { 'a"b': {} } } as Topology);
    expect(t).toContain('["a#quot;b"]');
  });
});

describe('graphDot', () => {
  const text = graphDot(load('router-portforward.yaml'));

  it('is an undirected graph with a cluster per namespace', () => {
    expect(text.startsWith('graph "router-portfwd" {\n')).toBe(true);
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(text.match(/subgraph cluster_/g)).toHaveLength(4);
    expect(text).toContain('label="router (NAT)"');
  });

  it('shows addresses, veth pairs (bold), bridge ports (dashed) and a NAT note', () => {
    expect(text).toContain('[label="veth-wan\\n198.51.100.1/24"]');
    expect(text.match(/\[label="veth", penwidth=2\]/g)).toHaveLength(3);
    expect(text.match(/style=dashed/g)).toHaveLength(2);
    expect(text).toMatch(/ns0_nat \[label="NAT\\nmasquerade .*", shape=note/);
  });

  it('escapes quotes and backslashes', () => {
    const t = graphDot({ name: 'q', namespaces: { 'a"b\\c': {} } } as Topology);
    expect(t).toContain('label="a\\"b\\\\c"');
  });
});

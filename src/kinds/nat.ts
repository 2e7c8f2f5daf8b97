// NAT: the lab's nftables table (`inet topo-<lab>`) in each namespace whose `nat:` the file declares. One
// resource per table whose props are its chains and rules, compared rule by rule; every change is one
// `nft -f -` transaction that replaces the whole table, so a rule added or deleted by hand inside it is
// repaired and nothing outside it (other tables, iptables) is ever touched. In a lab namespace the table goes
// with the namespace; in the host it is recorded in the state record and deleted explicitly.
import { pointer, type Finding } from '../core/finding.js';
import { parseCidr, parseNatTarget } from '../core/ip.js';
import { interfaceRef, type LabModel } from '../core/lab-model.js';
import type { Kind, KindContext } from '../core/kind.js';
import type { LiveSnapshot } from '../core/live.js';
import { HOST, type Cmd, type NamespaceSpec, type NatSpec, type Resource } from '../model.js';
import { nsClaim } from './common.js';
import { compareTables, desiredTable, liveTable, NAT_FAMILY, natTableName, tableScript, type NatTable } from './nat-rules.js';

/** The name of the kind's read (NsLive.reads). */
const NFT = 'nat:nft';

export const natKind: Kind<NatTable> = {
  name: 'nat',
  order: { create: { stage: 'config', after: ['sysctl'] }, update: { stage: 'config', after: ['sysctl'] }, delete: { stage: 'config', after: ['loopback'] } },
  check(model, opts) {
    const out: Finding[] = [];
    const declared = Object.entries(model.topo.namespaces ?? {}).filter(([, s]) => s?.nat);
    for (const [ns, spec] of declared) natFindings(ns, spec!, model, out);
    if (declared.length && opts.nftAvailable === false) {
      out.push({
        code: 'nft-missing', path: pointer('namespaces', declared[0][0], 'nat'), at: 'key',
        message: 'NAT rules need the `nft` command, which is not installed',
        hint: 'nft is provided by the Debian package nftables: apt-get install nftables',
      });
    }
    return out;
  },
  desired(model, ctx) {
    return Object.entries(model.topo.namespaces ?? {}).flatMap(([ns, spec]) =>
      spec?.nat ? [res(ns, desiredTable(ctx.lab.name, spec.nat), `/namespaces/${ns}/nat`)] : []);
  },
  // The lab's table, read only in namespaces whose `nat:` the file declares or where the state record says the lab
  // has one: a lab without NAT never runs `nft` at all.
  reads(topo, ctx) {
    const declared = Object.entries(topo?.namespaces ?? {}).filter(([, s]) => s?.nat).map(([n]) => n);
    return [...new Set([...declared, ...ctx.state.nat])].map((ns) => ({
      name: NFT, ns, tool: 'nft', args: ['-j', 'list', 'table', NAT_FAMILY, natTableName(ctx.lab.name)],
      what: 'the NAT rules', absent: /No such file or directory/, pkg: 'nftables',
    }));
  },
  live(snap, ctx) {
    const name = natTableName(ctx.lab.name);
    return Object.values(snap.ns).flatMap((n) => {
      const doc = n.reads?.[NFT];
      const t = doc === undefined ? undefined : liveTable(doc, name);
      return t ? [{ ...res(n.name, t), owned: ownsTableIn(snap, ctx, n.name) }] : [];
    });
  },
  compare: (d, l) => compareTables(d.props, l.props),
  create: (r) => [{ ...nft(r.ns, r.props, false), undo: [deleteTable(r.ns, r.props)] }],
  update: (d, l) => [{ ...nft(d.ns, d.props, true), undo: [nft(l.ns, l.props, true)] }],
  remove: (l) => [{ ...deleteTable(l.ns, l.props), undo: [nft(l.ns, l.props, false)] }],
  // In the host the table is the lab's only when recorded (see ownsTableIn).
  record: {
    intent: (c) => (c.op === 'create' ? { nat: [c.ns] } : {}),
    keep: (r) => ({ nat: [r.ns] }),
  },
  show: {},
  draw(model, ns) {
    const nat = model.topo.namespaces?.[ns]?.nat;
    return nat ? natLines(nat).map((text) => ({ text, box: 'NAT' })) : [];
  },
};

/** The rules as the graph writes them, one line each. */
function natLines(nat: NatSpec): string[] {
  return [
    ...(nat.masquerade ?? []).map((m) => `masquerade ${m.from ?? 'all'} out ${m.out}`),
    ...(nat.forward ?? []).map((f) => `forward ${f.proto}/${f.port} on ${f.in} → ${f.to}`),
  ];
}

/** The host's table is the lab's only when recorded; in a namespace, when the namespace is the lab's. */
function ownsTableIn(snap: LiveSnapshot, ctx: KindContext, ns: string): boolean {
  if (ctx.state.nat.includes(ns)) return true;
  if (ns === HOST) return false;
  const lo = snap.ns[ns]?.links.find((l) => l.ifname === 'lo');
  return lo?.ifalias === ctx.lab.alias || ctx.state.namespaces.includes(ns);
}

const nft = (ns: string, t: NatTable, replace: boolean): Cmd => ({ ns, tool: 'nft', args: ['-f', '-'], input: tableScript(t, replace) });
const deleteTable = (ns: string, t: NatTable): Cmd => ({ ns, tool: 'nft', args: ['delete', 'table', NAT_FAMILY, t.table] });

function res(ns: string, t: NatTable, path?: string): Resource<NatTable> {
  return {
    kind: 'nat', key: `nat:${ns}`, ns, label: `table ${NAT_FAMILY} ${t.table}`,
    props: t, claims: [`nft:${ns}/${NAT_FAMILY} ${t.table}`], parents: [nsClaim(ns)], path,
  };
}

/** Each rule's interface is one of its namespace's; addresses and targets parse. */
function natFindings(ns: string, spec: NamespaceSpec, ix: LabModel, out: Finding[]): void {
  (spec.nat?.masquerade ?? []).forEach((m, i) => {
    const base = pointer('namespaces', ns, 'nat', 'masquerade', i);
    const f = interfaceRef(ix, ns, m.out, `${base}/out`, 'masquerade interface');
    if (f) out.push(f);
    if (m.from !== undefined) {
      const c = parseCidr(m.from);
      if (typeof c === 'string') out.push({ code: 'bad-address', path: `${base}/from`, message: `masquerade source: ${c}` });
    }
  });
  (spec.nat?.forward ?? []).forEach((fw, i) => {
    const base = pointer('namespaces', ns, 'nat', 'forward', i);
    const f = interfaceRef(ix, ns, fw.in, `${base}/in`, 'forward interface');
    if (f) out.push(f);
    const target = parseNatTarget(fw.to);
    if (typeof target === 'string') {
      const message = target.startsWith(JSON.stringify(fw.to)) ? `forward target ${target}` : `forward target ${JSON.stringify(fw.to)}: ${target}`;
      out.push({ code: 'bad-nat-target', path: `${base}/to`, message, hint: 'e.g. 10.0.1.2, 10.0.1.2:80, [fd00::2]:80' });
    }
  });
}

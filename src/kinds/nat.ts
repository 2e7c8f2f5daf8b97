// NAT: the lab's nftables table (`inet topo-<lab>`) in each namespace whose `nat:` the file declares. One
// resource per table whose props are its chains and rules, compared rule by rule; every change is one
// `nft -f -` transaction that replaces the whole table, so a rule added or deleted by hand inside it is
// repaired and nothing outside it (other tables, iptables) is ever touched. In a lab namespace the table goes
// with the namespace; in the host it is recorded in the state record and deleted explicitly.
import type { Kind, KindContext } from '../core/kind.js';
import type { LiveSnapshot } from '../core/live.js';
import { HOST, type Cmd, type Resource } from '../model.js';
import { nsClaim } from './common.js';
import { compareTables, desiredTable, liveTable, NAT_FAMILY, natTableName, tableScript, type NatTable } from './nat-rules.js';

/** The name of the kind's read (NsLive.reads). */
const NFT = 'nat:nft';

export const natKind: Kind = {
  name: 'nat',
  phase: { create: 360, update: 360, delete: 301 },
  desired(topo, ctx) {
    return Object.entries(topo.namespaces ?? {}).flatMap(([ns, spec]) =>
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
  compare: (d, l) => compareTables(d.props as unknown as NatTable, l.props as unknown as NatTable),
  create: (r) => [{ ...nft(r.ns, r.props as never, false), undo: [deleteTable(r.ns, r.props as never)] }],
  update: (d, l) => [{ ...nft(d.ns, d.props as never, true), undo: [nft(l.ns, l.props as never, true)] }],
  remove: (l) => [{ ...deleteTable(l.ns, l.props as never), undo: [nft(l.ns, l.props as never, false)] }],
};

/** The host's table is the lab's only when recorded; in a namespace, when the namespace is the lab's. */
function ownsTableIn(snap: LiveSnapshot, ctx: KindContext, ns: string): boolean {
  if (ctx.state.nat.includes(ns)) return true;
  if (ns === HOST) return false;
  const lo = snap.ns[ns]?.links.find((l) => l.ifname === 'lo');
  return lo?.ifalias === ctx.lab.alias || ctx.state.namespaces.includes(ns);
}

const nft = (ns: string, t: NatTable, replace: boolean): Cmd => ({ ns, tool: 'nft', args: ['-f', '-'], input: tableScript(t, replace) });
const deleteTable = (ns: string, t: NatTable): Cmd => ({ ns, tool: 'nft', args: ['delete', 'table', NAT_FAMILY, t.table] });

function res(ns: string, t: NatTable, path?: string): Resource {
  return {
    kind: 'nat', key: `nat:${ns}`, ns, label: `table ${NAT_FAMILY} ${t.table}`,
    props: t as never, claims: [`nft:${ns}/${NAT_FAMILY} ${t.table}`], parents: [nsClaim(ns)], path,
  };
}

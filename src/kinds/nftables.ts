// The lab's nftables table (`inet topo-<lab>`) in each namespace whose file declares rules for it: `nat:` (see
// nat-rules.ts) and the other sections listed in SECTIONS. One resource per table whose props are its chains and
// rules, compared rule by rule; every change is one `nft -f -` transaction that replaces the whole table, so a rule
// added or deleted by hand inside it is repaired and nothing outside it (other tables, iptables) is ever touched.
// In a lab namespace the table goes with the namespace; in the host it is recorded in the state record and deleted
// explicitly.
import { pointer, type Finding } from '../core/finding.js';
import type { Kind, KindContext } from '../core/kind.js';
import type { LiveSnapshot } from '../core/live.js';
import { HOST, type Cmd, type NamespaceSpec, type Resource } from '../model.js';
import { nsClaim } from './common.js';
import { firewallSection } from './firewall-rules.js';
import { natSection } from './nat-rules.js';
import {
  compareTables, labTableName, liveTable, rawCheckFindings, rawCheckScript, TABLE_FAMILY, tableScript, type NftChain, type NftTable, type RawRule, type TableSection,
} from './nft-table.js';

/** What a namespace may put in the table, in the order its chains are written. */
const SECTIONS: TableSection[] = [natSection, firewallSection];

/** The name of the kind's read (NsLive.reads). */
const NFT = 'nftables:nft';

export const nftablesKind: Kind<NftTable> = {
  name: 'nftables',
  order: { create: { stage: 'config', after: ['sysctl'] }, update: { stage: 'config', after: ['sysctl'] }, delete: { stage: 'config', after: ['loopback'] } },
  check(model, opts) {
    const out: Finding[] = [];
    const declared = withTable(model.topo.namespaces);
    const raw: { ns: string; field: string; chains: NftChain[]; raw: RawRule[] }[] = [];
    for (const [ns, spec] of declared) {
      const before = out.length;
      for (const s of SECTIONS) if (spec[s.field] !== undefined) s.check(ns, spec, model, out);
      // The chains are made (to be compared by name, raw rules checked in them) only of sections found valid.
      if (out.length !== before) continue;
      out.push(...chainCollisions(ns, spec, SECTIONS));
      const rules = SECTIONS.flatMap((s) => (spec[s.field] !== undefined ? s.raw?.(ns, spec) ?? [] : []));
      if (rules.length) raw.push({ ns, field: SECTIONS.find((s) => s.raw?.(ns, spec).length)!.field, chains: SECTIONS.flatMap((s) => s.chains(spec) ?? []), raw: rules });
    }
    // nft's own check of the raw rules of the whole lab, in one nft process.
    if (raw.length && opts.nftCheck) {
      const { script, lines } = rawCheckScript(labTableName(model.topo.name), raw);
      const errors = opts.nftCheck(script);
      if (errors) out.push(...rawCheckFindings(errors, script, lines, pointer('namespaces', raw[0].ns, raw[0].field)));
    }
    if (declared.length && opts.nftAvailable === false) {
      const [ns, spec] = declared[0];
      out.push({
        code: 'nft-missing', path: pointer('namespaces', ns, SECTIONS.find((s) => spec[s.field] !== undefined)!.field), at: 'key',
        message: 'these rules need the `nft` command, which is not installed',
        hint: 'nft is provided by the Debian package nftables: apt-get install nftables',
      });
    }
    return out;
  },
  desired(model, ctx) {
    return withTable(model.topo.namespaces).map(([ns, spec]) => {
      const chains = SECTIONS.flatMap((s) => s.chains(spec) ?? []);
      const first = SECTIONS.find((s) => spec[s.field] !== undefined)!;
      return res(ns, { table: labTableName(ctx.lab.name), chains, others: [] }, `/namespaces/${ns}/${first.field}`);
    });
  },
  // The lab's table, read only in namespaces whose file declares rules for it or where the state record says the
  // lab has one: a lab without any never runs `nft` at all.
  reads(topo, ctx) {
    const declared = withTable(topo?.namespaces).map(([n]) => n);
    return [...new Set([...declared, ...ctx.state.nat])].map((ns) => ({
      name: NFT, ns, tool: 'nft', args: ['-j', 'list', 'table', TABLE_FAMILY, labTableName(ctx.lab.name)],
      what: 'the lab\'s nftables rules', absent: /No such file or directory/, pkg: 'nftables',
    }));
  },
  live(snap, ctx) {
    const name = labTableName(ctx.lab.name);
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
  // In the host the table is the lab's only when recorded (see ownsTableIn). The record's field is still named
  // `nat` (the first section), to read the records of earlier versions.
  record: {
    intent: (c) => (c.op === 'create' ? { nat: [c.ns] } : {}),
    keep: (r) => ({ nat: [r.ns] }),
  },
  // Each counted rule on a line of its own, with what its counter read (a replaced table starts at zero again).
  show: { detail: (r) => counterLines(r.props) },
  draw(model, ns) {
    const spec = model.topo.namespaces?.[ns];
    return spec ? SECTIONS.flatMap((s) => (spec[s.field] !== undefined ? s.lines(spec).map((text) => ({ text, box: s.box })) : [])) : [];
  },
};

/** Two sections of a namespace that would put a chain of one name into its table (one finding per such chain). */
export function chainCollisions(ns: string, spec: NamespaceSpec, sections: TableSection[]): Finding[] {
  const owner = new Map<string, TableSection>();
  const out: Finding[] = [];
  for (const s of sections) {
    for (const c of s.chains(spec) ?? []) {
      const first = owner.get(c.name);
      if (!first) { owner.set(c.name, s); continue; }
      out.push({
        code: 'chain-collision', path: pointer('namespaces', ns, s.field), at: 'key', related: pointer('namespaces', ns, first.field), relatedAt: 'key',
        message: `"${s.field}" and "${first.field}" would both make a chain named ${JSON.stringify(c.name)} in the lab's table`,
        hint: 'an internal naming clash of topo\'s sections: please report it',
      });
    }
  }
  return out;
}

/** "\n            forward: <rule>: 3 packets, 252 bytes" for every rule with a counter. */
export function counterLines(t: NftTable): string {
  return t.chains.flatMap((c) => c.rules.flatMap((rule, i) => {
    const n = c.counters?.[i];
    return n ? [`\n${' '.repeat(12)}${c.name}: ${rule}: ${n.packets} packet${n.packets === 1 ? '' : 's'}, ${n.bytes} bytes`] : [];
  })).join('');
}

/** The namespaces that declare at least one section. */
function withTable(namespaces: Record<string, NamespaceSpec | null> | undefined): [string, NamespaceSpec][] {
  return Object.entries(namespaces ?? {}).flatMap(([ns, s]) => (s && SECTIONS.some((x) => s[x.field] !== undefined) ? [[ns, s]] : []));
}

/** The host's table is the lab's only when recorded; in a namespace, when the namespace is the lab's. */
function ownsTableIn(snap: LiveSnapshot, ctx: KindContext, ns: string): boolean {
  if (ctx.state.nat.includes(ns)) return true;
  if (ns === HOST) return false;
  const lo = snap.ns[ns]?.links.find((l) => l.ifname === 'lo');
  return lo?.ifalias === ctx.lab.alias || ctx.state.namespaces.includes(ns);
}

const nft = (ns: string, t: NftTable, replace: boolean): Cmd => ({ ns, tool: 'nft', args: ['-f', '-'], input: tableScript(t, replace) });
const deleteTable = (ns: string, t: NftTable): Cmd => ({ ns, tool: 'nft', args: ['delete', 'table', TABLE_FAMILY, t.table] });

function res(ns: string, t: NftTable, path?: string): Resource<NftTable> {
  return {
    kind: 'nftables', key: `nftables:${ns}`, ns, label: `table ${TABLE_FAMILY} ${t.table}`,
    props: t, claims: [`nft:${ns}/${TABLE_FAMILY} ${t.table}`], parents: [nsClaim(ns)], path,
  };
}

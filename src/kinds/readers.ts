// Extra per-namespace readers that kinds need beyond `ip -json`: the lab's nftables table (NAT). It is read
// only in namespaces whose `nat:` the file declares or where the state record says the lab has a table, so a
// lab without NAT never runs `nft` at all.
import type { KindContext } from '../core/kind.js';
import type { NsLive } from '../core/live.js';
import { TopoError } from '../errors.js';
import type { Topology } from '../model.js';
import { argvOf } from '../core/commands.js';
import type { Runner } from '../io/runner.js';
import { NAT_FAMILY, natTableName } from './nat-rules.js';

export type ExtraReader = (ns: string, run: Runner) => Promise<Partial<NsLive>>;

export function EXTRA_READERS(topo: Topology | undefined, ctx: KindContext): ExtraReader[] {
  const declared = Object.entries(topo?.namespaces ?? {}).filter(([, s]) => s?.nat).map(([n]) => n);
  const withNat = new Set([...declared, ...ctx.state.nat]);
  if (!withNat.size) return [];
  const table = natTableName(ctx.lab.name);
  return [async (ns, run) => (withNat.has(ns) ? { nft: await readNatTable(run, ns, table) } : {})];
}

/** `nft -j list table inet <table>` parsed, or undefined when the table doesn't exist. */
export async function readNatTable(run: Runner, ns: string, table: string): Promise<unknown> {
  const argv = argvOf({ ns, tool: 'nft', args: ['-j', 'list', 'table', NAT_FAMILY, table] });
  const r = await run(argv);
  if (r.exitCode === 0) return JSON.parse(r.stdout || '{}') as unknown;
  if (r.exitCode === 127 || /exec of "nft" failed|nft: command not found/.test(r.stderr)) {
    throw new TopoError('E_NFT_MISSING', `reading the NAT rules of namespace ${ns} needs the \`nft\` command, which is not installed`, 1,
      { hint: 'nft is provided by the Debian package nftables: apt-get install nftables' });
  }
  if (/No such file or directory/.test(r.stderr)) return undefined;
  const perm = /Operation not permitted|Permission denied/.test(r.stderr);
  throw new TopoError(perm ? 'E_PERM' : 'E_READ', `reading the kernel failed: ${argv.join(' ')}: ${r.stderr.trim()}`, perm ? 77 : 1);
}

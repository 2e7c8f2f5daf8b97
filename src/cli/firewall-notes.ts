// The host firewall's warnings (ops/host-firewall.ts) at apply and test time: on standard error, each with its way
// out ("hint: ..."); with --json only returned, for the command's document (each with its code).
import type { Topology } from '../model.js';
import type { FirewallWarning } from '../ops/host-firewall.js';
import type { Runner } from '../io/runner.js';
import type { OutputOpts } from './output.js';

export async function firewallNotes(topo: Topology, run: Runner, o: OutputOpts): Promise<FirewallWarning[]> {
  const { checkHostFirewall } = await import('../ops/host-firewall.js');
  const found = await checkHostFirewall(topo, run);
  if (!o.json) for (const w of found) process.stderr.write(`warning: ${w.message}\nhint: ${w.hint}\n`);
  return found;
}

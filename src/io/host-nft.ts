// `nft ARGS` in topo's own namespace (the host firewall check's read, ops/host-firewall.ts): with the netlink engine
// and the real kernel's runner, made by libnftables in-process (io/netlink/nft.ts: the same output and error text as
// the command, without its process); else, or where libnftables can't be loaded, by the runner as `nft ARGS`.
import { HOST } from '../model.js';
import { engine } from './netlink/engine.js';
import { inProcessNft, runNft } from './netlink/nft.js';
import { type RunResult, type Runner, runProcess } from './runner.js';

export async function runHostNft(run: Runner, args: string[]): Promise<RunResult> {
  const e = run === runProcess ? engine() : undefined;
  const nft = e?.name === 'netlink' && inProcessNft(HOST, args);
  return nft ? runNft(e.libc, nft.lib, HOST, nft.script) : run(['nft', ...args]);
}

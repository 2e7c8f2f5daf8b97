// `nft -c`: nftables' own check of a script, which changes nothing, for validation to refuse rule text nft would
// refuse (a raw rule of the file) before any change runs. Synchronous, as validation is; each script is checked
// once per process (validation may run its checks twice, see validate/index.ts).
import { spawnSync } from 'node:child_process';

/** A checker for CheckOptions.nftCheck: nft's error output, '' when it accepts the script, undefined when it can't tell. */
export function nftCheck(): (script: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  return (script) => {
    if (!memo.has(script)) memo.set(script, run(script));
    return memo.get(script);
  };
}

function run(script: string): string | undefined {
  const r = spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8', timeout: 30_000, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error || r.status === null) return undefined; // nft missing or killed
  if (r.status === 0) return '';
  // Without CAP_NET_ADMIN nft can't ask the kernel at all (`topo validate` run by a user): not a verdict on the script.
  if (/Operation not permitted/.test(r.stderr)) return undefined;
  return r.stderr || `nft -c exited with status ${r.status}`;
}

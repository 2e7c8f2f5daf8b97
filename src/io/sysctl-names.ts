// The network sysctls this kernel has, for validation's "unknown sysctl" warning (validation itself reads nothing).
// Read from /proc/sys/net of the namespace topo runs in, not from a list: which sysctls exist depends on the kernel's
// version and on the modules loaded (net.netfilter.*, net.mpls.*), and a list would both miss and wrongly accept.
// Per-interface directories (net.ipv4.conf.<if>, net.ipv6.neigh.<if>, ...: those with a `default` entry) are read
// once, from `default`, and named with `*` in place of the interface: the lab's interfaces don't exist yet.
import { readdirSync } from 'node:fs';

const ROOT = '/proc/sys/net';
/** Past this many names the walk stops (a machine with a very large /proc/sys/net still validates quickly). */
const LIMIT = 20_000;

/** Dotted names ("net.ipv4.ip_forward", "net.ipv4.conf.*.forwarding"); undefined when /proc/sys/net can't be read. */
export function knownSysctls(root = ROOT): Set<string> | undefined {
  const out = new Set<string>();
  const walk = (dir: string, name: string): void => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    const perInterface = entries.some((e) => e.isDirectory() && e.name === 'default');
    for (const e of entries) {
      if (out.size >= LIMIT) return;
      if (!e.isDirectory()) { out.add(`${name}.${e.name}`); continue; }
      if (!perInterface) walk(`${dir}/${e.name}`, `${name}.${e.name}`);
      else if (e.name === 'default') walk(`${dir}/default`, `${name}.*`); // "all" has the same names
    }
  };
  walk(root, 'net');
  return out.size ? out : undefined;
}

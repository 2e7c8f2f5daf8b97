// The interface of this machine that holds an address, and its MTU: what a link between hosts (core/links.ts) needs
// of the host it is applied on — its underlay interface's MTU, known only there. Read with one
// `ip -json address show` of the namespace topo runs in, once, and only when a check or a slice asks.
import { execFileSync } from 'node:child_process';
import { canonicalAddr } from '../core/ip.js';
import type { LocalUnderlay } from '../core/links.js';

interface AddrLink { ifname?: string; mtu?: number; addr_info?: { local?: string }[] }

/** A lookup by address (any spelling); undefined when no interface here holds it, or `ip` can't be run. */
export function underlayLinks(read: () => string = readAddresses): (address: string) => LocalUnderlay | undefined {
  let byAddr: Map<string, LocalUnderlay> | undefined;
  return (address) => {
    byAddr ??= index(read);
    const a = canonicalAddr(address);
    return a === undefined ? undefined : byAddr.get(a);
  };
}

function index(read: () => string): Map<string, LocalUnderlay> {
  const out = new Map<string, LocalUnderlay>();
  let links: AddrLink[];
  try { links = JSON.parse(read()) as AddrLink[]; } catch { return out; }
  for (const l of Array.isArray(links) ? links : []) {
    if (typeof l?.ifname !== 'string' || typeof l.mtu !== 'number') continue;
    for (const a of l.addr_info ?? []) {
      const k = typeof a?.local === 'string' ? canonicalAddr(a.local) : undefined;
      if (k !== undefined && !out.has(k)) out.set(k, { dev: l.ifname, mtu: l.mtu });
    }
  }
  return out;
}

const readAddresses = (): string => execFileSync('ip', ['-json', 'addr', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });

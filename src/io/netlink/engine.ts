// Which engine reads the kernel: `netlink` (in-process, through koffi: no process per namespace) or `ip` (an
// `ip -json -d -batch` process per namespace or group of them). TOPO_ENGINE=netlink|ip chooses; by default netlink
// where koffi loads, else ip — and `topo --version` says which, and why.
import { TopoError } from '../../errors.js';
import { type Libc, loadLibc } from './ffi.js';

export type Engine = { name: 'netlink'; libc: Libc; why: string } | { name: 'ip'; why: string };

let chosen: Engine | undefined;

/** The engine of this process (chosen once). TOPO_ENGINE=netlink where koffi can't load is an error, not a fallback. */
export function engine(env: NodeJS.ProcessEnv = process.env): Engine {
  if (chosen) return chosen;
  const asked = env.TOPO_ENGINE || undefined; // empty: unset
  if (asked !== undefined && asked !== 'netlink' && asked !== 'ip') {
    throw new TopoError('E_USAGE', `TOPO_ENGINE=${asked}: the engines are netlink and ip`, 64);
  }
  if (asked === 'ip') return chosen = { name: 'ip', why: 'TOPO_ENGINE=ip' };
  const libc = loadLibc();
  if (typeof libc === 'string') {
    if (asked === 'netlink') throw new TopoError('E_ENGINE', `TOPO_ENGINE=netlink, but ${libc}`, 1, { hint: 'unset TOPO_ENGINE to read through ip processes' });
    return chosen = { name: 'ip', why: `${libc}: reading through ip processes` };
  }
  return chosen = { name: 'netlink', libc, why: asked === 'netlink' ? 'TOPO_ENGINE=netlink' : 'koffi loaded' };
}

/** One line for `topo --version`. */
export function engineLine(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const e = engine(env);
    return `engine: ${e.name} (${e.why})`;
  } catch (e) {
    return `engine: none (${(e as Error).message})`;
  }
}

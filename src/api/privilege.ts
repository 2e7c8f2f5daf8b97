// topo changes kernel network state: that needs root (CAP_NET_ADMIN for links, CAP_SYS_ADMIN for namespaces).
import { NotPermitted } from '../errors.js';

export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new NotPermitted(`${what} needs root: network namespaces and interfaces can only be changed with CAP_NET_ADMIN and CAP_SYS_ADMIN. Run it with sudo.`);
  }
}

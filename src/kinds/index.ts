// The kind registry: every kind topo manages. Diff, order, execution and rendering are generic over this list.
import type { Kind } from '../core/kind.js';
import { addressKind } from './address.js';
import { bridgeKind } from './bridge.js';
import { foreignLinkKind } from './foreign-link.js';
import { loopbackKind } from './loopback.js';
import { namespaceKind } from './namespace.js';
import { natKind } from './nat.js';
import { routeKind } from './route.js';
import { sysctlKind } from './sysctl.js';
import { vethKind } from './veth.js';
import { vethEndKind } from './veth-end.js';

export const KINDS: Kind[] = [
  namespaceKind,
  loopbackKind,
  bridgeKind,
  vethKind,
  vethEndKind,
  addressKind,
  routeKind,
  sysctlKind,
  natKind,
  foreignLinkKind,
];

export function kindOf(name: string): Kind {
  const k = KINDS.find((x) => x.name === name);
  if (!k) throw new Error(`unknown kind ${name}`);
  return k;
}

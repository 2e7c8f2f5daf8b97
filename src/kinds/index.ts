// The kind registry: every kind topo manages. Diff, order, execution and rendering are generic over this list;
// a new kind is one line here.
import type { Kind } from '../core/kind.js';
import { pipelineOf } from '../core/pipeline.js';
import { addressKind } from './address.js';
import { bridgeKind } from './bridge.js';
import { foreignLinkKind } from './foreign-link.js';
import { loopbackKind } from './loopback.js';
import { macvlanKind } from './macvlan.js';
import { namespaceKind } from './namespace.js';
import { nftablesKind } from './nftables.js';
import { neighbourKind } from './neighbour.js';
import { netnsDirKind, netnsFileKind } from './netns-files.js';
import { processKind } from './process.js';
import { routeKind } from './route.js';
import { ruleKind } from './rule.js';
import { shapeKind } from './shape.js';
import { sysctlKind } from './sysctl.js';
import { vethKind } from './veth.js';
import { vethEndKind } from './veth-end.js';
import { vxlanKind } from './vxlan.js';

export const KINDS: Kind[] = [
  namespaceKind,
  loopbackKind,
  bridgeKind,
  vethKind,
  vethEndKind,
  macvlanKind,
  vxlanKind,
  addressKind,
  routeKind,
  ruleKind,
  sysctlKind,
  nftablesKind,
  foreignLinkKind,
  neighbourKind,
  shapeKind,
  netnsDirKind, netnsFileKind,
  processKind,
];

/** The pipeline's pure functions (core/pipeline.ts) over these kinds. */
export const { desiredOf, planFrom, intentState, madeState, namespacesMade, finalState, scriptRecords, nsidsNeeded } = pipelineOf(KINDS);

/** The kind of this name (undefined: a step made by the core itself, a link group). */
export const kindNamed = (name: string): Kind | undefined => KINDS.find((x) => x.name === name);

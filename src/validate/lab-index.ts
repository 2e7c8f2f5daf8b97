// The index validation looks things up in: the resolved model of the file (core/lab-model.ts), built from the
// kinds of the registry: every interface of every kind, with its namespace, addresses and place in the file.
import { resolveLab, type DeclaredIface, type LabModel } from '../core/lab-model.js';
import { KINDS } from '../kinds/index.js';
import type { Topology } from '../model.js';

export { ifacesOf, ifKey } from '../core/lab-model.js';
export type Iface = DeclaredIface;
export type LabIndex = LabModel;

export const indexLab = (t: Topology): LabIndex => resolveLab(t, KINDS);

/** Past this many findings the checks stop looking for more (the report shows the first ones only). */
export const FINDINGS_CAP = 1000;

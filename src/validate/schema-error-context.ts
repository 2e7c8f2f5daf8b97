// What a precompiled ajv error is about, found again from its two paths (so the validator runs without ajv's
// `verbose` option): the schema object holding the failed keyword (ajv's `parentSchema`) and the value that failed
// (ajv's `data`).
import type { ErrorObject } from 'ajv';
import { unescapeSeg } from '../core/finding.js';

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;
/** An own property only: a key such as "constructor" must not reach into Object.prototype. */
const own = (o: unknown, k: string): unknown => (isNode(o) && Object.hasOwn(o, k) ? o[k] : undefined);
const follow = (o: unknown, segs: string[]): unknown => segs.reduce(own, o);

/** The value e failed on: the key for an error about a property name, else the node at e's instancePath. */
export function failedValue(data: unknown, e: ErrorObject): unknown {
  const key = (e as ErrorObject & { propertyName?: string }).propertyName;
  return key !== undefined ? key : follow(data, e.instancePath.split('/').slice(1).map(unescapeSeg));
}

/**
 * The schema object holding e's keyword. A schemaPath is not always from the root: ajv compiles a definition
 * that contains $refs into a function of its own, and the errors raised there have paths relative to that
 * definition ("#/properties/loopback/enum" inside a namespace), while the root and the definitions inlined into it
 * give paths from the root ("#/definitions/mtu/minimum"). So the answer is found in the innermost of the schemas
 * the data path passes through (the root and each $ref target on the way) where the path leads to the keyword.
 */
export function parentSchemaOf(root: Node, e: ErrorObject): Node | undefined {
  // The fragment's segments are URI-encoded JSON pointer segments; the last one is the keyword itself.
  const segs = e.schemaPath.split('/').slice(1, -1).map((s) => unescapeSeg(decodeURIComponent(s)));
  for (const frame of framesAlong(root, e.instancePath)) {
    const parent = follow(frame, segs);
    if (isNode(parent) && Object.hasOwn(parent, e.keyword)) return parent;
  }
  return undefined;
}

/** The root and the $ref targets met walking the data path down the schema, innermost first. */
function framesAlong(root: Node, instancePath: string): Node[] {
  const frames = [root];
  let node: unknown = root;
  const deref = () => {
    while (isNode(node) && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
      node = follow(root, node.$ref.slice(2).split('/').map(unescapeSeg));
      if (isNode(node)) frames.unshift(node);
    }
  };
  deref();
  for (const seg of instancePath.split('/').slice(1).map(unescapeSeg)) {
    if (!isNode(node)) break;
    node = own(node.properties, seg) ?? (isNode(node.items) ? node.items : node.additionalProperties);
    deref();
  }
  return frames;
}

// The JSON Schema (schemas/topology.schema.json, the one editors use) is the validator. This file runs it, as
// precompiled by ajv (generated/topology-validator.ts), and turns ajv's error objects into one readable finding per
// place, with the path of the offending node or key.
import type { ErrorObject, ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/topology.schema.json' with { type: 'json' };
import { explain } from './explain.js';
import { pointer, show, unescapeSeg, type Finding } from '../core/finding.js';
import validateTopology from './generated/topology-validator.js';
import { failedValue, parentSchemaOf } from './schema-error-context.js';
import { didYouMean } from '../core/suggest.js';

type SchemaNode = { [k: string]: unknown; properties?: Record<string, SchemaNode>; description?: string };

export const SCHEMA = schemaJson as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };

/** Definition objects by identity → their name (parentSchemaOf returns objects of SCHEMA). */
const DEF_NAMES = new Map<unknown, string>(Object.entries(SCHEMA.definitions).map(([k, v]) => [v, k]));

const validate = validateTopology as unknown as ValidateFunction;

export function schemaFindings(data: unknown): Finding[] {
  if (validate(data)) return [];
  return collapse(validate.errors ?? [], data);
}

/**
 * Drop ajv's echo errors (propertyNames, the branches of an anyOf, an if/then/else's own "must match", which always
 * comes with the failing branch's errors), map the rest, keep one finding per place.
 */
function collapse(errors: ErrorObject[], data: unknown): Finding[] {
  const anyOfs = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    const list = anyOfs.get(e.instancePath);
    if (list) list.push(e); else anyOfs.set(e.instancePath, [e]);
  }
  const kept = errors.filter((e) => e.keyword !== 'propertyNames' && e.keyword !== 'if' &&
    !(anyOfs.get(e.instancePath) ?? []).some((a) => a !== e && e.schemaPath.startsWith(a.schemaPath + '/')));
  const byPlace = new Map<string, Finding>();
  const missing = new Map<string, string[]>();
  for (const e of kept) {
    if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const list = missing.get(e.instancePath);
      if (list) { list.push(key); continue; }
      missing.set(e.instancePath, [key]);
    }
    const f = toFinding(e, data);
    const place = `${f.path}|${f.at ?? 'value'}`;
    if (!byPlace.has(place)) byPlace.set(place, f);
  }
  for (const [path, keys] of missing) {
    const f = byPlace.get(`${path}|value`);
    if (keys.length > 1 && f?.code === 'missing-key') {
      byPlace.set(`${path}|value`, { ...f, message: `${thing(path)} is missing required keys ${keys.map((k) => JSON.stringify(k)).join(', ')}`, hint: undefined });
    }
  }
  return [...byPlace.values()];
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false', null: 'empty',
};

function kindOf(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${show(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return `${show(v)}`;
}

/** Human name of the object at a path: "route", "veth end", "nat forward rule", ... */
function thing(path: string): string {
  const segs = path.split('/').slice(1).map(unescapeSeg);
  const last = segs[segs.length - 1];
  const parent = segs[segs.length - 2];
  if (segs.length === 0) return 'the file';
  if (/^\d+$/.test(last)) {
    const named: Record<string, string> = { routes: 'route', ends: 'veth end', veths: 'veth', tests: 'test', masquerade: 'masquerade rule', forward: 'forward rule', addresses: 'address' };
    return `${named[parent] ?? 'item'} #${Number(last) + 1}`;
  }
  if (parent === 'namespaces') return `namespace ${JSON.stringify(last)}`;
  if (parent === 'bridges') return `bridge ${JSON.stringify(last)}`;
  return JSON.stringify(last);
}

function describeProp(parent: SchemaNode | undefined, key: string): string | undefined {
  const p = parent?.properties?.[key];
  if (!p) return undefined;
  const ref = typeof p.$ref === 'string' ? SCHEMA.definitions[p.$ref.replace('#/definitions/', '')] : undefined;
  return p.description ?? ref?.description;
}

function toFinding(e: ErrorObject, data: unknown): Finding {
  const parent = parentSchemaOf(SCHEMA, e) as SchemaNode | undefined;
  const path = e.instancePath;
  const what = thing(path);
  const val = failedValue(data, e);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const dym = didYouMean(key, allowed);
      const hint = key === '$schema' ? 'point editors at the schema with a comment: # yaml-language-server: $schema=<path>'
        : dym ? undefined : `allowed keys here: ${allowed.join(', ')}`;
      return { code: 'unknown-key', message: `unknown key ${show(key)}${dym}`, hint, path: path + pointer(key), at: 'key' };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return { code: 'missing-key', message: `${what} is missing required key ${JSON.stringify(key)}`, hint: describeProp(parent, key), path };
    }
    case 'type': return typeFinding(path, what, val, String((e.params as { type: string }).type));
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return { code: 'bad-value', path, message: `${what} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${show(val)}${typeof val === 'string' ? didYouMean(val, allowed) : ''}` };
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return { code: 'out-of-range', path, message: `${what} must be between ${parent?.minimum ?? '-∞'} and ${parent?.maximum ?? '∞'}, not ${show(val)}`, hint: parent?.description };
    case 'minItems': case 'maxItems':
      if (path.endsWith('/ends')) return { code: 'bad-veth', path, message: `a veth has exactly two ends, not ${Array.isArray(val) ? val.length : '?'}`, hint: 'ends: [{ name: a, namespace: ns1 }, { name: b, namespace: ns2 }]' };
      return { code: 'bad-value', path, message: `${what} ${e.message}` };
    case 'anyOf': case 'oneOf':
      if (DEF_NAMES.get(parent) === 'route') return { code: 'missing-key', path, message: `${what} needs a gateway ("via") or an interface ("dev"), or both` };
      return { code: 'bad-value', path, message: `${what} does not match any allowed form`, hint: parent?.description };
  }
  // pattern / length / not: a named definition explains the reason; a property name points at the key.
  const key = (e as ErrorObject & { propertyName?: string }).propertyName;
  const fpath = key !== undefined ? path + pointer(key) : path;
  const value = key !== undefined ? key : val;
  const x = explain(DEF_NAMES.get(parent) ?? '', value);
  if (x) return { ...x, path: fpath, at: key !== undefined ? 'key' : undefined };
  return { code: 'bad-value', path: fpath, at: key !== undefined ? 'key' : undefined, message: `${thing(fpath)}: invalid value ${show(value)} (${e.message})`, hint: parent?.description };
}

function typeFinding(path: string, what: string, val: unknown, type: string): Finding {
  const want = type.split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ');
  let hint: string | undefined;
  if (type === 'boolean' && typeof val === 'string' && /^(yes|no|on|off|y|n|true|false)$/i.test(val)) hint = 'YAML 1.2 booleans are written true or false';
  else if (/integer|number/.test(type) && typeof val === 'string' && /^-?[0-9]+$/.test(val)) hint = 'write the number without quotes';
  else if (type.includes('string') && (typeof val === 'number' || typeof val === 'boolean')) {
    // The text as written, not as YAML read it (0755 is the number 755): the locator fills it in.
    return { code: 'wrong-type', path, message: `${what} must be ${want}, not ${kindOf(val)}`, hint: `quote it: "${String(val)}"`, quoteSource: true };
  } else if (val === null) hint = 'the value is missing';
  return { code: 'wrong-type', path, message: `${what} must be ${want}, not ${kindOf(val)}`, hint };
}

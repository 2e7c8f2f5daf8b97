// The file's TypeScript types (src/model.ts, and what each kind file adds to them by module augmentation) are
// checked against the JSON Schema that validation enforces: every key of every mapping of the schema is a property
// of the type at the same place (and the other way round), optional exactly when the schema doesn't require it,
// lists are arrays, name-keyed mappings are index signatures, and scalars have the schema's type. A kind that adds
// a schema definition without its type (or a type without its schema) fails here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import schema from '../../schemas/topology.schema.json' with { type: 'json' };
import { ROOT } from '../helpers/sandbox.js';

type Node = {
  $ref?: string; type?: string | string[]; properties?: Record<string, Node>; required?: string[];
  items?: Node; additionalProperties?: Node | boolean; enum?: unknown[];
};
const definitions = (schema as { definitions: Record<string, Node> }).definitions;
const resolve = (n: Node): Node => (n.$ref ? resolve(definitions[n.$ref.replace('#/definitions/', '')]) : n);

function program(): { checker: ts.TypeChecker; topology: ts.Type } {
  // The file's types and the kind files that add to them (and what those import).
  const kinds = join(ROOT, 'src/kinds');
  const files = [join(ROOT, 'src/model.ts'), ...readdirSync(kinds).filter((f) => f.endsWith('.ts')).map((f) => join(kinds, f))];
  const prog = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, resolveJsonModule: true, skipLibCheck: true, noEmit: true,
  });
  const checker = prog.getTypeChecker();
  const model = prog.getSourceFile(join(ROOT, 'src/model.ts'))!;
  const sym = checker.getExportsOfModule(checker.getSymbolAtLocation(model)!).find((s) => s.name === 'Topology')!;
  return { checker, topology: checker.getDeclaredTypeOfSymbol(sym) };
}

/** Every mismatch between the schema node and the type, as "path: what". */
function compare(checker: ts.TypeChecker, node: Node, type: ts.Type, path: string): string[] {
  const n = resolve(node);
  const t = checker.getNonNullableType(type);
  const types = n.type === undefined ? [] : Array.isArray(n.type) ? n.type : [n.type];
  const out: string[] = [];
  if (n.properties) {
    for (const [key, sub] of Object.entries(n.properties)) {
      const p = t.getProperty(key);
      if (!p) { out.push(`${path}/${key}: in the schema, not in the type`); continue; }
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      const required = (n.required ?? []).includes(key);
      if (optional === required) out.push(`${path}/${key}: ${required ? 'required' : 'optional'} in the schema, not in the type`);
      out.push(...compare(checker, sub, checker.getTypeOfSymbol(p), `${path}/${key}`));
    }
    for (const p of t.getProperties()) if (!(p.name in n.properties)) out.push(`${path}/${p.name}: in the type, not in the schema`);
    return out;
  }
  if (typeof n.additionalProperties === 'object') {
    const value = t.getStringIndexType();
    return value ? compare(checker, n.additionalProperties, value, `${path}/*`) : [`${path}: a mapping by name in the schema, no index signature in the type`];
  }
  if (types.includes('array')) {
    // A list or a scalar (["string", "array"]): the union's array member is the list, its other members the scalar.
    const isList = (x: ts.Type) => checker.isArrayType(x) || checker.isTupleType(x);
    const members = t.isUnion() ? t.types : [t];
    const list = members.find(isList);
    if (!list) return [`${path}: a list in the schema, not an array in the type`];
    if (types.includes('string') && !members.some((x) => !isList(x) && x.flags & ts.TypeFlags.StringLike)) out.push(`${path}: a string or a list in the schema, not in the type`);
    if (list !== t) return [...out, ...compare(checker, { ...n, type: 'array' }, list, path)];
    const items = checker.isTupleType(t) ? (t as ts.TupleType).typeArguments ?? [] : [checker.getTypeArguments(t as ts.TypeReference)[0]];
    return items.flatMap((x) => (n.items ? compare(checker, n.items, x, `${path}/[]`) : []));
  }
  const parts = t.isUnion() ? t.types : [t];
  if (n.enum) {
    const want = n.enum.map(String).sort(), got = parts.map((x) => (x.isStringLiteral() || x.isNumberLiteral() ? String(x.value) : '?')).sort();
    return JSON.stringify(want) === JSON.stringify(got) ? [] : [`${path}: ${JSON.stringify(want)} in the schema, ${JSON.stringify(got)} in the type`];
  }
  const flag = { string: ts.TypeFlags.StringLike, integer: ts.TypeFlags.NumberLike, number: ts.TypeFlags.NumberLike, boolean: ts.TypeFlags.BooleanLike };
  for (const s of types) {
    if (s === 'null' || s === 'object') continue;
    const f = flag[s as keyof typeof flag];
    if (f !== undefined && !parts.some((x) => x.flags & f)) out.push(`${path}: ${s} in the schema, ${checker.typeToString(type)} in the type`);
  }
  return out;
}

describe('the types of the file against its schema', () => {
  const { checker, topology } = program();

  it('match: every key, its optionality, lists, mappings and scalar types', () => {
    expect(compare(checker, schema as Node, topology, '')).toEqual([]);
  });

  it('the comparison finds a missing key, an extra one and a wrong type (it can fail)', () => {
    const broken: Node = {
      type: 'object', required: ['name'],
      properties: { name: { type: 'integer' }, nowhere: { type: 'string' }, tests: { type: 'array', items: { type: 'object', properties: {} } } },
    };
    const found = compare(checker, broken, topology, '');
    expect(found).toContain('/nowhere: in the schema, not in the type');
    expect(found).toContain('/namespaces: in the type, not in the schema');
    expect(found.some((f) => f.startsWith('/name: integer in the schema'))).toBe(true);
    expect(found.some((f) => f.startsWith('/tests/[]/from: in the type'))).toBe(true);
  });
});

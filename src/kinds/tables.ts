// Routing tables, shared by the route and rule kinds. The kernel knows tables by number only; iproute2 names
// 253/254/255 itself (default/main/local) and takes other names from the machine's /etc/iproute2/rt_tables,
// which topo neither depends on nor touches: the file names its tables itself (`tables: { wan: 100 }`, at the top
// for every namespace, or under one namespace for it alone) and every command carries the number.
// Reading is the other way round: `ip -json` prints the name rt_tables gives a number (the batch that reads a
// namespace has no `-N`), so only the built-in names are taken back to their numbers (see printedTable).
import { pointer, type Finding } from '../core/finding.js';
import { nsText, type LabModel } from '../core/lab-model.js';
import { didYouMean } from '../core/suggest.js';
import type { Topology } from '../model.js';

declare module '../model.js' {
  interface Topology {
    /** Names of routing tables for every namespace: name → number. */
    tables?: Record<string, number>;
  }
  interface NamespaceSpec {
    /** Names of routing tables of this namespace (besides the top-level ones): name → number. */
    tables?: Record<string, number>;
  }
}

/** A table as the file gives it: a number, or a name (built-in or declared). */
export type TableRef = number | string;

export const MAIN_TABLE = 254;
export const LOCAL_TABLE = 255;
/** The names iproute2 gives tables whatever rt_tables says (lib/rt_names.c). */
export const BUILTIN_TABLES: Readonly<Record<string, number>> = { default: 253, main: MAIN_TABLE, local: LOCAL_TABLE };

/** The names a namespace may use: the built-in ones, the file's, then the namespace's own. */
export function tableNames(topo: Topology | undefined, ns: string): Map<string, number> {
  return new Map([
    ...Object.entries(BUILTIN_TABLES),
    ...Object.entries(topo?.tables ?? {}),
    ...Object.entries(topo?.namespaces?.[ns]?.tables ?? {}),
  ]);
}

/** The number of a table the file names; undefined for a name it doesn't declare (validation refuses it). */
export function tableNumber(topo: Topology | undefined, ns: string, t: TableRef | undefined): number | undefined {
  if (t === undefined) return MAIN_TABLE;
  return typeof t === 'number' ? t : tableNames(topo, ns).get(t);
}

/**
 * A table as `ip -json` printed it (absent: main) as a number: digits, or a built-in name. A name the machine's
 * rt_tables gives stays a name: topo can't tell its number without reading that file, so it never equals a table
 * of the file (the read would need `ip -N`; see the file's header).
 */
export function printedTable(printed: string | number | undefined): TableRef {
  if (printed === undefined) return MAIN_TABLE;
  if (typeof printed === 'number') return printed;
  if (/^[0-9]+$/.test(printed)) return Number(printed);
  return Object.hasOwn(BUILTIN_TABLES, printed) ? BUILTIN_TABLES[printed] : printed;
}

/**
 * A table named where `path` points must be a number or a name the namespace can use (did-you-mean among them).
 * Returns the problem, or undefined.
 */
export function tableRef(topo: Topology, ns: string, t: TableRef, path: string): Finding | undefined {
  if (typeof t === 'number' || tableNames(topo, ns).has(t)) return undefined;
  const names = [...tableNames(topo, ns).keys()];
  return {
    code: 'unknown-table', path,
    message: `table ${JSON.stringify(t)} is not a table name of ${nsText(ns)}${didYouMean(t, names)}`,
    hint: `name it under "tables:" (e.g. tables: { ${/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(t) ? t : 'wan'}: 100 }), or give its number; built in: main, local, default (topo never reads /etc/iproute2/rt_tables)`,
  };
}

/**
 * The `tables:` mappings: no built-in name redefined, no number the kernel names already, and a namespace's name
 * that is also a top-level one means the same number.
 */
export function tableFindings(model: LabModel): Finding[] {
  const out: Finding[] = [];
  const top = model.topo.tables ?? {};
  const check = (names: Record<string, number>, base: string[], ns?: string) => {
    const numbers = new Map<number, string>();
    for (const [name, n] of Object.entries(names)) {
      const path = pointer(...base, name);
      if (Object.hasOwn(BUILTIN_TABLES, name)) {
        out.push({ code: 'builtin-table', path, at: 'key', message: `table name "${name}" is built in (table ${BUILTIN_TABLES[name]}): it can't be renamed or redefined`, hint: `use "${name}" without declaring it, and another name for table ${n}` });
        continue;
      }
      const builtin = Object.entries(BUILTIN_TABLES).find(([, b]) => b === n);
      if (builtin) {
        out.push({ code: 'builtin-table', path, message: `table ${n} is the kernel's "${builtin[0]}" table: name it "${builtin[0]}"`, hint: 'pick a number from 1 to 252, or from 256 up, for a table of your own' });
        continue;
      }
      const same = numbers.get(n);
      if (same !== undefined) {
        out.push({ code: 'duplicate-table', severity: 'warning', path, related: pointer(...base, same), message: `table ${n} is named twice ("${same}" and "${name}")`, hint: 'two names for one table is likely a slip: give each table one name' });
      } else numbers.set(n, name);
      if (ns !== undefined && Object.hasOwn(top, name) && top[name] !== n) {
        out.push({ code: 'table-redefined', path, related: pointer('tables', name), message: `table name "${name}" is table ${top[name]} at the top of the file but table ${n} in ${nsText(ns)}`, hint: 'give the namespace\'s table another name' });
      }
    }
  };
  check(top, ['tables']);
  for (const [ns, spec] of Object.entries(model.topo.namespaces ?? {})) if (spec?.tables) check(spec.tables, ['namespaces', ns, 'tables'], ns);
  return out;
}

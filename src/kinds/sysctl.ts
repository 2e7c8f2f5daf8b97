// Network sysctls (net.*) per namespace. Values are compared as the kernel prints them (whitespace-normalised).
// The value found before the lab first changed one is kept in the state record and put back when the lab lets go
// of it (removed from the file, or destroy); inside a lab namespace it simply goes with the namespace. Only net.*
// sysctls are ever written, whatever the file or the record says (see core/names.ts): the others are global to
// the machine, not the lab's, and some are a root shell (kernel.core_pattern).
import type { Kind } from '../core/kind.js';
import type { Cmd, Resource } from '../model.js';
import { nsClaim } from './common.js';
import { isNetSysctl } from '../core/names.js';

export const sysctlKind: Kind = {
  name: 'sysctl',
  phase: { create: 350, update: 350, delete: 350 },
  desired(topo) {
    return Object.entries(topo.namespaces ?? {}).flatMap(([ns, spec]) =>
      Object.entries(spec?.sysctls ?? {}).map(([k, v]) => res(ns, k, norm(String(v)), `/namespaces/${ns}/sysctls/${k}`)));
  },
  live(snap) {
    return Object.values(snap.ns).flatMap((n) => Object.entries(n.sysctls).filter(([k]) => isNetSysctl(k))
      .map(([k, v]) => ({ ...res(n.name, k, norm(v)), owned: true })));
  },
  create: (r, ctx) => set(r, ctx.state.sysctls[`${r.ns}|${r.label}`]),
  update: (d, l) => set(d, (l.props as { value: string }).value),
  remove(l, ctx) {
    const prev = ctx.state.sysctls[`${l.ns}|${l.label}`];
    const now = (l.props as { value: string }).value;
    return prev === undefined || norm(prev) === now ? [] : set({ ...l, props: { value: prev } }, (l.props as { value: string }).value);
  },
};

export const norm = (v: string) => v.trim().split(/\s+/).join(' ');

function set(r: Resource, old: string | undefined): Cmd[] {
  if (!isNetSysctl(r.label)) throw new Error(`refusing to write sysctl ${JSON.stringify(r.label)}: topo writes net.* sysctls only`);
  const cmd = (v: string): Cmd => ({ ns: r.ns, tool: 'sysctl', args: ['-q', '-w', `${r.label}=${v}`] });
  return [{ ...cmd((r.props as { value: string }).value), undo: old === undefined ? [] : [cmd(old)] }];
}

function res(ns: string, k: string, value: string, path?: string): Resource {
  return { kind: 'sysctl', key: `sysctl:${ns}/${k}`, ns, label: k, props: { value }, claims: [], parents: [nsClaim(ns)], path };
}

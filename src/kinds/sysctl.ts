// Network sysctls (net.*) per namespace. Values are compared as the kernel prints them (whitespace-normalised).
// The value found before the lab first changed one is kept in the state record and put back when the lab lets go
// of it (removed from the file, or destroy); inside a lab namespace it simply goes with the namespace.
import type { Kind } from '../core/kind.js';
import type { Cmd, Resource } from '../model.js';
import { nsClaim } from './common.js';

export const sysctlKind: Kind = {
  name: 'sysctl',
  phase: { create: 350, update: 350, delete: 350 },
  desired(topo) {
    return Object.entries(topo.namespaces ?? {}).flatMap(([ns, spec]) =>
      Object.entries(spec?.sysctls ?? {}).map(([k, v]) => res(ns, k, norm(String(v)), `/namespaces/${ns}/sysctls/${k}`)));
  },
  live(snap) {
    return Object.values(snap.ns).flatMap((n) => Object.entries(n.sysctls).map(([k, v]) => ({ ...res(n.name, k, norm(v)), owned: true })));
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

/** A sysctl write: its key, the value as its input (io/commands.ts renders it as `tee /proc/sys/...`). */
function set(r: Resource, old: string | undefined): Cmd[] {
  const cmd = (v: string): Cmd => ({ ns: r.ns, tool: 'sysctl', args: [r.label], input: `${v}\n` });
  return [{ ...cmd((r.props as { value: string }).value), undo: old === undefined ? [] : [cmd(old)] }];
}

function res(ns: string, k: string, value: string, path?: string): Resource {
  return { kind: 'sysctl', key: `sysctl:${ns}/${k}`, ns, label: k, props: { value }, claims: [], parents: [nsClaim(ns)], path };
}

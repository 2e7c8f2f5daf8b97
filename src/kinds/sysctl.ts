// Network sysctls (net.*) per namespace. Values are compared as the kernel prints them (whitespace-normalised).
// The value found before the lab first changed one is kept in the state record and put back when the lab lets go
// of it (removed from the file, or destroy); inside a lab namespace it simply goes with the namespace.
// Writing `all` forwarding makes the kernel write `default` and every interface's forwarding too: a declared one of
// those is written again right after it (`then`), so a file that sets them apart converges in one apply.
// Only net.* sysctls are ever written, whatever the file or the record says (see core/names.ts): the others are
// global to the machine, not the lab's, and some are a root shell (kernel.core_pattern).
import type { Kind } from '../core/kind.js';
import type { Cmd, Resource } from '../model.js';
import { fannedOut, sysctlFindings } from './sysctl-names.js';
import { nsClaim } from './common.js';
import { isNetSysctl } from '../core/names.js';

/** `then`: desired only, the declared settings the kernel overwrites when this one is written, and their values. */
interface SysctlProps { value: string; then?: [string, string][] }

export const sysctlKind: Kind<SysctlProps> = {
  name: 'sysctl',
  order: { create: { stage: 'config', after: ['route:create'] }, update: { stage: 'config', after: ['route:create'] }, delete: { stage: 'config', after: ['route:create'] } },
  check: (model, opts) => sysctlFindings(model.topo, opts),
  desired(model) {
    return Object.entries(model.topo.namespaces ?? {}).flatMap(([ns, spec]) => {
      const sysctls = spec?.sysctls ?? {};
      return Object.entries(sysctls).map(([k, v]) => {
        const then = fannedOut(k, Object.keys(sysctls)).map((n): [string, string] => [n, norm(String(sysctls[n]))]);
        return res(ns, k, { value: norm(String(v)), ...(then.length ? { then } : {}) }, `/namespaces/${ns}/sysctls/${k}`);
      });
    });
  },
  live(snap) {
    return Object.values(snap.ns).flatMap((n) => Object.entries(n.sysctls).filter(([k]) => isNetSysctl(k))
      .map(([k, v]) => ({ ...res(n.name, k, { value: norm(v) }), owned: true })));
  },
  compare(d, l) {
    const dv = d.props.value, lv = l.props.value;
    return dv === lv ? [] : [['value', lv, dv]];
  },
  create: (r, ctx) => set(r, ctx.state.sysctls[`${r.ns}|${r.label}`]),
  update: (d, l) => set(d, l.props.value),
  remove(l, ctx) {
    const prev = ctx.state.sysctls[`${l.ns}|${l.label}`];
    const now = l.props.value;
    return prev === undefined || norm(prev) === now ? [] : set({ ...l, props: { value: prev } }, now);
  },
  // The value found before the lab first changed a sysctl, kept for as long as the file declares it.
  record: {
    intent: (c) => (c.op === 'update' ? { sysctls: { [`${c.ns}|${c.label}`]: (c.live!.props as { value: string }).value } } : {}),
    keep(r, intent) {
      const k = `${r.ns}|${r.label}`;
      return k in intent.sysctls ? { sysctls: { [k]: intent.sysctls[k] } } : {};
    },
  },
  show: { detail: (r) => ` = ${r.props.value}` },
  draw: (model, ns) => (String(model.topo.namespaces?.[ns]?.sysctls?.['net.ipv4.ip_forward'] ?? '') === '1' ? [{ text: 'IPv4 forwarding' }] : []),
};

export const norm = (v: string) => v.trim().split(/\s+/).join(' ');

/** A sysctl write: its key, the value as its input (core/commands.ts renders it as `tee /proc/sys/...`). */
function set(r: Resource<SysctlProps>, old: string | undefined): Cmd[] {
  if (!isNetSysctl(r.label)) throw new Error(`refusing to write sysctl ${JSON.stringify(r.label)}: topo writes net.* sysctls only`);
  const cmd = (k: string, v: string): Cmd => ({ ns: r.ns, tool: 'sysctl', args: [k], input: `${v}\n` });
  const p = r.props;
  return [{ ...cmd(r.label, p.value), undo: old === undefined ? [] : [cmd(r.label, old)] }, ...(p.then ?? []).map(([k, v]) => cmd(k, v))];
}

function res(ns: string, k: string, props: SysctlProps, path?: string): Resource<SysctlProps> {
  return { kind: 'sysctl', key: `sysctl:${ns}/${k}`, ns, label: k, props, claims: [], parents: [nsClaim(ns)], path };
}

// The `lo` of each lab namespace: its state (loopback: up|down) and the lab's ownership mark (its ifalias).
import { pointer } from '../core/finding.js';
import type { Kind } from '../core/kind.js';
import { linkIsUp } from '../core/live.js';
import { HOST, type Resource } from '../model.js';
import { ip, nsClaim, ownsNamespace } from './common.js';

interface LoProps { up: boolean; alias: string }

export const loopbackKind: Kind<LoProps> = {
  name: 'loopback',
  order: { create: { stage: 'config' }, update: { stage: 'config' }, delete: { stage: 'config' } },
  check(model) {
    const host = model.topo.namespaces?.[HOST];
    return host?.loopback === undefined ? [] : [{
      code: 'host-loopback', path: pointer('namespaces', HOST, 'loopback'), at: 'key',
      message: '"loopback" is not allowed on host: topo does not manage the host\'s lo', hint: 'remove it',
    }];
  },
  desired(model, ctx) {
    return Object.entries(model.topo.namespaces ?? {})
      .filter(([n]) => n !== HOST)
      .map(([n, spec]) => res(n, { up: (spec?.loopback ?? 'up') === 'up', alias: ctx.lab.alias }, `/namespaces/${n}`));
  },
  live(snap, ctx) {
    const out: Resource<LoProps>[] = [];
    for (const n of snap.netns) {
      const lo = snap.ns[n]?.links.find((l) => l.ifname === 'lo');
      if (!lo) continue;
      if (ownsNamespace(ctx, snap.ns[n])) out.push({ ...res(n, { up: linkIsUp(lo), alias: lo.ifalias ?? '' }), owned: true });
    }
    return out;
  },
  create: (r) => setLo(r),
  update: (d) => setLo(d),
  remove: () => [],
  setting: true,
  show: { detail: (r) => (r.props.up ? ' up' : ' down') },
};

function setLo(r: Resource<LoProps>) {
  const p = r.props;
  return [ip(r.ns, 'link', 'set', 'dev', 'lo', p.up ? 'up' : 'down', 'alias', p.alias)];
}

function res(ns: string, props: LoProps, path?: string): Resource<LoProps> {
  return { kind: 'loopback', key: `loopback:${ns}`, ns, label: `lo in ${ns}`, props, claims: [], parents: [nsClaim(ns)], path };
}

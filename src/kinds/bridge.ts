// Linux bridges. Created with their group (the lab's mark from the first instant) and MAC in one `link add`, then
// given their declared MTU for good (see pinBridgeMtu) and marked with the lab's alias in the same batch. A new
// bridge is brought up in the bridges stage, once the namespaces of its ports are configured (see core/order.ts).
// An MTU the file doesn't declare is the one a fresh apply gives the bridge: its ports' smallest. Its options (STP and
// its timers, ageing, multicast snooping, VLAN filtering: bridge-options.ts) go on the `link add` line where they
// differ from the kernel's defaults, which undeclared ones are held to; changed in place by `link set ... type bridge`.
// A declared `addrgenmode` (addrgenmode.ts) is set with the alias, while the new bridge is still down.
import type { Kind } from '../core/kind.js';
import { linkIsUp } from '../core/live.js';
import { addressesAt } from '../core/lab-model.js';
import { bridgesOf, type Cmd, type Resource } from '../model.js';
import { changedFromDefaults, compareOptions, declaredOptions, liveOptions, OPTION_KEYS, optionArgs, optionFindings, optionLines, type BridgeOptions } from './bridge-options.js';
import { addrGenModeArgs, compareAddrGenMode, liveAddrGenMode, addrGenModeReads } from './addrgenmode.js';
import { ip, isPromisc, linkClaim, linkRecord, nsClaim, ownedLinks, promiscArgs } from './common.js';
import { bridgeMtus, pinBridgeMtu } from './link-defaults.js';

/** `pin`: desired only, the MTU is the file's (not its ports'), so it is set at creation. */
interface BridgeProps extends BridgeOptions { mtu?: number; mac?: string; up: boolean; promisc: boolean; alias: string; pin?: boolean; addrgenmode?: string }
const GENERIC = ['mtu', 'mac', 'up', 'promisc', 'alias'] as const;

export const bridgeKind: Kind = {
  name: 'bridge',
  order: { create: { stage: 'links' }, update: { stage: 'config', after: ['address:delete'], groups: ['interface-settings'] }, delete: { stage: 'unlink' } },
  interfaces: (topo) => bridgesOf(topo).map(({ ns, name, spec, path }) => ({
    ns, name, kind: 'bridge', role: 'bridge', path, at: 'key' as const, base: path, addresses: addressesAt(spec.addresses, path),
    mtu: spec.mtu, up: spec.up !== false, ports: true,
  })),
  check: (model, opts) => bridgesOf(model.topo).flatMap((b) => optionFindings(b, opts)),
  desired(model, ctx) {
    const mtus = bridgeMtus(model);
    return bridgesOf(model.topo).map(({ ns, name, spec: b, path }) => {
      const props = {
        mtu: mtus.get(`${ns}/${name}`), mac: b.mac, up: b.up ?? true, promisc: b.promisc ?? false, alias: ctx.lab.alias, pin: b.mtu !== undefined, addrgenmode: b.addrgenmode,
        ...declaredOptions(b),
      };
      return res(ns, name, props, path);
    });
  },
  ipReadsFor: addrGenModeReads,
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => ownedLinks(ctx, n, 'bridge').map((l) => ({
      ...res(n.name, l.ifname, { mtu: l.mtu, mac: l.address, up: linkIsUp(l), promisc: isPromisc(l), alias: l.ifalias ?? '', addrgenmode: liveAddrGenMode(n, l.ifname), ...liveOptions(l) } as BridgeProps),
      owned: true,
    })));
  },
  compare(d, l) {
    const dp = d.props as unknown as BridgeProps, lp = l.props as unknown as BridgeProps;
    return [
      ...GENERIC.filter((k) => dp[k] !== undefined && dp[k] !== lp[k]).map((k): [string, unknown, unknown] => [k, lp[k], dp[k]]),
      ...compareOptions(dp, lp),
      ...compareAddrGenMode(dp.addrgenmode, lp.addrgenmode),
    ];
  },
  create(r, ctx) {
    const p = r.props as unknown as BridgeProps;
    const name = r.label;
    const opts = changedFromDefaults(p);
    return [
      { ...ip(r.ns, 'link', 'add', 'name', name, ...(p.mac ? ['address', p.mac] : []), 'group', String(ctx.lab.group),
        ...(p.promisc ? promiscArgs(true) : []), 'type', 'bridge', ...optionArgs(p, opts.filter((k) => k !== 'vlan_filtering'))),
        undo: [ip(r.ns, 'link', 'del', 'dev', name)] },
      ...(opts.includes('vlan_filtering') ? [ip(r.ns, 'link', 'set', 'dev', name, 'type', 'bridge', ...optionArgs(p, ['vlan_filtering']))] : []),
      ...(p.pin && p.mtu !== undefined ? pinBridgeMtu(p.mtu).map((a) => ip(r.ns, 'link', 'set', 'dev', name, ...a)) : []),
      ip(r.ns, 'link', 'set', 'dev', name, 'alias', p.alias, ...addrGenModeArgs(p.addrgenmode)),
      ...(p.up ? [{ ...ip(r.ns, 'link', 'set', 'dev', name, 'up'), stage: 'bridges' as const }] : []),
    ];
  },
  update(d, l, fields) {
    const p = d.props as unknown as BridgeProps;
    const f = new Set(fields.map(([k]) => k));
    const generic = [
      ...(f.has('mtu') ? ['mtu', String(p.mtu)] : []), ...(f.has('mac') ? ['address', p.mac!] : []),
      ...(f.has('promisc') ? promiscArgs(p.promisc) : []), ...(f.has('up') ? [p.up ? 'up' : 'down'] : []),
      ...(f.has('alias') ? ['alias', p.alias] : []), ...(f.has('addrgenmode') ? addrGenModeArgs(p.addrgenmode) : []),
    ];
    const keys = OPTION_KEYS.filter((k) => f.has(k));
    const set = (args: string[]): Cmd => ip(d.ns, 'link', 'set', 'dev', d.label, 'type', 'bridge', ...args);
    // The first option line's undo puts back every option the update changes (as they were: see optionLines).
    const old = { ...p, ...(l.props as unknown as Partial<BridgeOptions>) };
    const options = optionLines(p, keys).map((args, i) => (i ? set(args) : { ...set(args), undo: optionLines(old, keys).map(set) }));
    return [...(generic.length ? [ip(d.ns, 'link', 'set', 'dev', d.label, ...generic)] : []), ...options];
  },
  remove: (r) => [ip(r.ns, 'link', 'del', 'dev', r.label)],
  record: linkRecord,
  show: { detail: (r) => { const p = r.props as unknown as BridgeProps; return `${p.up ? ' up' : ' down'} mtu ${p.mtu}${p.promisc ? ' promisc' : ''}${p.stp ? ' stp' : ''}`; } },
};

function res(ns: string, name: string, props: BridgeProps, path?: string): Resource {
  return { kind: 'bridge', key: `bridge:${ns}/${name}`, ns, label: name, props: props as never,
    claims: [linkClaim(ns, name)], parents: [nsClaim(ns)], path };
}

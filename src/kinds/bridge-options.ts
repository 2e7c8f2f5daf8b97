// The options of a bridge (`stp`, the STP timers, `ageing_time`, `mcast_snooping`, `vlan_filtering`): how the file
// writes them, how the kernel takes and prints them (`type bridge ...` arguments, linkinfo.info_data of
// `ip -d link show`), the kernel's defaults they are held to when the file leaves them out, and their checks.
// Timers are seconds in the file (up to two decimals) and centiseconds in the kernel, which keeps them in jiffies:
// at HZ=250 an odd centisecond value reads back one lower (401 → 400), so a timer matches when the kernel's value
// is the declared one or one below (kinds-facts 6).
import type { CheckOptions } from '../core/kind.js';
import type { Finding } from '../core/finding.js';
import type { IpLink } from '../core/live.js';
import type { DeclaredBridge } from '../model.js';

declare module '../model.js' {
  interface NsBridgeSpec {
    stp?: boolean; forward_delay?: number; hello_time?: number; max_age?: number; ageing_time?: number;
    mcast_snooping?: boolean; vlan_filtering?: boolean;
  }
}

/** The options in the file's units: flags as booleans, timers in seconds. */
export interface BridgeOptions {
  stp: boolean; forward_delay: number; hello_time: number; max_age: number; ageing_time: number;
  mcast_snooping: boolean; vlan_filtering: boolean;
}
type Key = keyof BridgeOptions;

/** Each option: its kernel attribute, and its default (what `ip link add ... type bridge` gives a bridge). */
const OPTIONS: { key: Key; attr: string; timer?: boolean }[] = [
  { key: 'stp', attr: 'stp_state' },
  { key: 'forward_delay', attr: 'forward_delay', timer: true },
  { key: 'hello_time', attr: 'hello_time', timer: true },
  { key: 'max_age', attr: 'max_age', timer: true },
  { key: 'ageing_time', attr: 'ageing_time', timer: true },
  { key: 'mcast_snooping', attr: 'mcast_snooping' },
  { key: 'vlan_filtering', attr: 'vlan_filtering' },
];
export const OPTION_KEYS: readonly Key[] = OPTIONS.map((o) => o.key);

export const DEFAULTS: BridgeOptions = {
  stp: false, forward_delay: 15, hello_time: 2, max_age: 20, ageing_time: 300, mcast_snooping: true, vlan_filtering: false,
};

/** STP's own range for forward_delay, which the kernel enforces only while STP is on. */
const STP_FORWARD_DELAY = [2, 30];

const centi = (s: number) => Math.round(s * 100);

/** The options a declared bridge is held to: the file's, else the defaults. */
export function declaredOptions(b: DeclaredBridge['spec']): BridgeOptions {
  const out = { ...DEFAULTS } as Record<Key, number | boolean>;
  for (const k of OPTION_KEYS) if (b[k] !== undefined) out[k] = b[k];
  return out as unknown as BridgeOptions;
}

/**
 * The options a live bridge has, from linkinfo.info_data; an option the kernel doesn't print is absent. So is
 * ageing_time during an STP topology change (`topology_change` 1, for max_age + forward_delay after a port starts
 * forwarding): the kernel then ages addresses out after 2 x forward_delay (802.1D's fast ageing) and prints that,
 * the configured value comes back when the change ends.
 */
export function liveOptions(l: IpLink): Partial<BridgeOptions> {
  const data = (l.linkinfo as { info_data?: Record<string, unknown> } | undefined)?.info_data ?? {};
  const out: Partial<Record<Key, number | boolean>> = {};
  for (const o of OPTIONS) {
    const v = data[o.attr];
    if (typeof v === 'number') out[o.key] = o.timer ? v / 100 : v !== 0;
  }
  if (data.topology_change && data.stp_state) delete out.ageing_time;
  return out as Partial<BridgeOptions>;
}

/**
 * Options that differ: [key, live, desired]. Not compared where the kernel doesn't print the option. An ageing_time
 * hidden by a topology change (see liveOptions) is set again along with any other option: turning STP off (by hand
 * or by an update) during the change leaves the fast ageing in place, which only setting ageing_time undoes.
 */
export function compareOptions(d: BridgeOptions, l: Partial<BridgeOptions>): [string, unknown, unknown][] {
  const out: [string, unknown, unknown][] = [];
  for (const o of OPTIONS) {
    const dv = d[o.key], lv = l[o.key];
    if (lv === undefined) continue;
    const same = o.timer ? centi(lv as number) <= centi(dv as number) && centi(lv as number) >= centi(dv as number) - 1 : lv === dv;
    if (!same) out.push([o.key, lv, dv]);
  }
  if (out.length && l.stp !== undefined && l.ageing_time === undefined) out.push(['ageing_time', undefined, d.ageing_time]);
  return out;
}

/** `type bridge` arguments giving these options (timers in centiseconds, flags 0/1). */
export function optionArgs(o: Partial<BridgeOptions>, keys: readonly Key[]): string[] {
  return OPTIONS.filter((x) => keys.includes(x.key) && o[x.key] !== undefined)
    .flatMap((x) => [x.attr, x.timer ? String(centi(o[x.key] as number)) : o[x.key] ? '1' : '0']);
}

/**
 * The `type bridge` argument lists that set these options, in the order they must run:
 * - `vlan_filtering` alone, on a line of its own, and only when it is wanted on or was on: a kernel without VLAN
 *   filtering refuses the attribute whatever its value ("Operation not supported"), so it never rides along, and
 *   when it is refused the failing line names it;
 * - STP turned off alone, first: the kernel checks a new forward_delay against STP's range (2 to 30 s) while STP is
 *   still on, whatever the order of the arguments.
 */
export function optionLines(o: BridgeOptions, keys: readonly Key[]): string[][] {
  const stpOff = keys.includes('stp') && !o.stp;
  const rest = keys.filter((k) => k !== 'vlan_filtering' && !(stpOff && k === 'stp'));
  return [
    ...(stpOff ? [optionArgs(o, ['stp'])] : []),
    ...(rest.length ? [optionArgs(o, rest)] : []),
    ...(keys.includes('vlan_filtering') ? [optionArgs(o, ['vlan_filtering'])] : []),
  ].filter((a) => a.length);
}

/** The options a new bridge needs on top of `link add ... type bridge`: those that differ from the defaults. */
export const changedFromDefaults = (o: BridgeOptions): Key[] => compareOptions(o, DEFAULTS).map(([k]) => k as Key);

/** Checks of what the schema can't say: two decimals, STP's forward_delay range, a kernel without VLAN filtering. */
export function optionFindings(b: DeclaredBridge, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const at = (k: Key) => `${b.path}/${k}`;
  for (const o of OPTIONS) {
    const v = b.spec[o.key];
    if (!o.timer || typeof v !== 'number' || Math.abs(v * 100 - centi(v)) < 1e-6) continue;
    out.push({
      code: 'bridge-timer-precision', path: at(o.key),
      message: `${o.key} ${v}: at most two decimals (the kernel counts hundredths of a second)`,
      hint: `write ${centi(v) / 100}`,
    });
  }
  const fd = b.spec.forward_delay;
  if (b.spec.stp && fd !== undefined && (fd < STP_FORWARD_DELAY[0] || fd > STP_FORWARD_DELAY[1])) {
    out.push({
      code: 'bridge-forward-delay', path: at('forward_delay'),
      message: `forward_delay ${fd}: with stp on, the kernel accepts ${STP_FORWARD_DELAY[0]} to ${STP_FORWARD_DELAY[1]} seconds`,
      hint: 'below 2 s only without STP (where it has no effect on forwarding)',
    });
  }
  if (b.spec.vlan_filtering && opts.kernelConfig?.('BRIDGE_VLAN_FILTERING') === false) {
    out.push({
      code: 'kernel-feature-missing', path: at('vlan_filtering'),
      message: 'vlan_filtering: this kernel is built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not set); it refuses the option with "Operation not supported"',
      hint: 'leave vlan_filtering out (or false), or use a kernel built with CONFIG_BRIDGE_VLAN_FILTERING',
    });
  }
  return out;
}

// Sysctls that are one kernel setting under two names. `net.ipv4.ip_forward` and `net.ipv4.conf.all.forwarding`
// read and write the same variable (writing one changes what the other reads), so a file giving them different
// values would have every apply flip one of them and never verify. Refused here, naming both places.
// IPv6 has no second name for `net.ipv6.conf.all.forwarding` (checked against the kernel). Writing `all` forwarding
// (either family) does write `conf.default.forwarding` and every interface's `conf.<if>.forwarding` too, but those
// are settings of their own that may be set apart afterwards: FANS_OUT lets kinds/sysctl.ts write them again.
import type { Topology } from '../model.js';
import { pointer, type Finding } from '../core/finding.js';
import type { CheckOptions } from '../core/kind.js';
import { didYouMean } from '../core/suggest.js';

/** Groups of names of one kernel setting. */
export const SAME_SETTING: readonly (readonly string[])[] = [
  ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding'],
];

/** Names whose write the kernel copies to other settings (those matching `to`). */
export const FANS_OUT: readonly { from: readonly string[]; to: RegExp }[] = [
  { from: ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding'], to: /^net\.ipv4\.conf\.(?!all\.).+\.forwarding$/ },
  { from: ['net.ipv6.conf.all.forwarding'], to: /^net\.ipv6\.conf\.(?!all\.).+\.forwarding$/ },
];

/** The settings a write of `name` also writes, among `names` (empty for most). */
export function fannedOut(name: string, names: string[]): string[] {
  const f = FANS_OUT.find((x) => x.from.includes(name));
  return f ? names.filter((n) => f.to.test(n)) : [];
}

const norm = (v: string | number) => String(v).trim().split(/\s+/).join(' ');

export function sysctlNameFindings(t: Topology): Finding[] {
  const out: Finding[] = [];
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    const sysctls = spec?.sysctls ?? {};
    for (const names of SAME_SETTING) {
      const declared = Object.keys(sysctls).filter((n) => names.includes(n)); // in the file's order
      const [first] = declared;
      for (const other of declared.slice(1)) {
        if (norm(sysctls[other]) === norm(sysctls[first])) continue;
        out.push({
          code: 'sysctl-same-setting', path: pointer('namespaces', ns, 'sysctls', other), at: 'key',
          related: pointer('namespaces', ns, 'sysctls', first), relatedAt: 'key',
          message: `${other} is ${norm(sysctls[other])} here but ${first} is ${norm(sysctls[first])} at {related}: they are one kernel setting under two names, so every apply would change it back and forth`,
          hint: `give both the same value, or keep one of them (${first} or ${other})`,
        });
      }
    }
  }
  return out;
}

/** The sysctl kind's checks: net.* names only, known to the running kernel (a warning), one setting one value. */
export function sysctlFindings(t: Topology, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  for (const [ns, spec] of Object.entries(t.namespaces ?? {})) {
    for (const key of Object.keys(spec?.sysctls ?? {})) {
      if (key.startsWith('net.')) {
        const known = opts.knownSysctls?.();
        if (known && !sysctlKnown(key, known)) {
          out.push({
            code: 'unknown-sysctl', severity: 'warning', path: pointer('namespaces', ns, 'sysctls', key), at: 'key',
            message: `sysctl ${JSON.stringify(key)} does not exist in this kernel${didYouMean(key, known)}: apply would fail`,
            hint: 'a sysctl of a module not loaded yet appears once it is (modprobe); a per-interface one is written net.ipv4.conf.<interface>.<name>',
          });
        }
        continue;
      }
      out.push({
        code: 'sysctl-not-net', path: pointer('namespaces', ns, 'sysctls', key), at: 'key',
        message: `sysctl ${JSON.stringify(key)} is not a network sysctl: only net.* sysctls belong to a namespace`,
        hint: 'other sysctls are global to the machine; set them outside topo',
      });
    }
  }
  return [...out, ...sysctlNameFindings(t)];
}

/** A known name, or one with an interface in place of a per-interface directory's `*` (net.ipv4.conf.veth1.forwarding). */
function sysctlKnown(key: string, known: ReadonlySet<string>): boolean {
  if (known.has(key)) return true;
  const segs = key.split('.');
  return segs.some((_, i) => i > 0 && known.has([...segs.slice(0, i), '*', ...segs.slice(i + 1)].join('.')));
}

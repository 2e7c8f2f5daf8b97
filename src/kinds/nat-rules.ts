// The `nat:` section of a namespace: masquerade and port forwarding as chains of the lab's table (nft-table.ts),
// written the way `nft list` prints them, and its checks.
import { pointer, type Finding } from '../core/finding.js';
import { canon, parseCidr, parseNatTarget } from '../core/ip.js';
import { interfaceRef } from '../core/lab-model.js';
import { addrMatch, addrPort, type TableSection } from './nft-table.js';

const POSTROUTING = 'type nat hook postrouting priority srcnat; policy accept;';
const PREROUTING = 'type nat hook prerouting priority dstnat; policy accept;';

export const natSection: TableSection = {
  field: 'nat',
  chains({ nat }) {
    if (!nat) return undefined;
    const post = (nat.masquerade ?? []).map((m) => `oifname "${m.out}"${m.from === undefined ? '' : ` ${addrMatch('saddr', m.from)}`} masquerade`);
    const pre = (nat.forward ?? []).map((f) => `iifname "${f.in}" ${f.proto} dport ${f.port} ${dnatTo(f.to)}`);
    return [{ name: 'postrouting', header: POSTROUTING, rules: post }, { name: 'prerouting', header: PREROUTING, rules: pre }];
  },
  check(ns, { nat }, model, out) {
    (nat?.masquerade ?? []).forEach((m, i) => {
      const base = pointer('namespaces', ns, 'nat', 'masquerade', i);
      const f = interfaceRef(model, ns, m.out, `${base}/out`, 'masquerade interface');
      if (f) out.push(f);
      if (m.from !== undefined) {
        const c = parseCidr(m.from);
        if (typeof c === 'string') out.push({ code: 'bad-address', path: `${base}/from`, message: `masquerade source: ${c}` });
      }
    });
    (nat?.forward ?? []).forEach((fw, i) => {
      const base = pointer('namespaces', ns, 'nat', 'forward', i);
      const f = interfaceRef(model, ns, fw.in, `${base}/in`, 'forward interface');
      if (f) out.push(f);
      const target = parseNatTarget(fw.to);
      if (typeof target === 'string') {
        const message = target.startsWith(JSON.stringify(fw.to)) ? `forward target ${target}` : `forward target ${JSON.stringify(fw.to)}: ${target}`;
        out.push({ code: 'bad-nat-target', path: `${base}/to`, message, hint: 'e.g. 10.0.1.2, 10.0.1.2:80, [fd00::2]:80' } satisfies Finding);
      }
    });
  },
  box: 'NAT',
  lines: ({ nat }) => [
    ...(nat?.masquerade ?? []).map((m) => `masquerade ${m.from ?? 'all'} out ${m.out}`),
    ...(nat?.forward ?? []).map((f) => `forward ${f.proto}/${f.port} on ${f.in} → ${f.to}`),
  ],
};

/** "dnat ip to 10.0.1.2:80", "dnat ip6 to [fd00::2]:80". */
function dnatTo(to: string): string {
  const t = parseNatTarget(to);
  if (typeof t === 'string') throw new Error(`invalid NAT target ${to}`);
  return `dnat ${t.addr.kind() === 'ipv6' ? 'ip6' : 'ip'} to ${addrPort(canon(t.addr), t.port)}`;
}

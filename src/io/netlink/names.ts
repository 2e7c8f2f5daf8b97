// Numbers printed as `ip` prints them: iproute2's name tables (its built-in names, then /etc/iproute2's files and
// their .d/*.conf, a later entry winning), addresses (inet_ntop's forms), link-layer addresses, flags and states.
import { readdirSync, readFileSync } from 'node:fs';

const CONF_DIRS = ['/etc/iproute2', '/usr/share/iproute2'];

/** "NUMBER NAME" lines of iproute2's table `file` (and `file`.d/*.conf), the first directory that has it. */
function tableFile(file: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const dir of CONF_DIRS) {
    let text: string;
    try { text = readFileSync(`${dir}/${file}`, 'utf8'); } catch { continue; }
    let extra: string[] = [];
    try { extra = readdirSync(`${dir}/${file}.d`).filter((f) => f.endsWith('.conf')).sort(); } catch { /* none */ }
    for (const t of [text, ...extra.map((f) => { try { return readFileSync(`${dir}/${file}.d/${f}`, 'utf8'); } catch { return ''; } })]) {
      for (const line of t.split('\n')) {
        const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s+(\S+)/.exec(line);
        if (m && !line.trimStart().startsWith('#')) out.set(Number(m[1]), m[2]);
      }
    }
    break;
  }
  return out;
}

function table(file: string, builtin: Record<number, string>): (n: number) => string {
  let names: Map<number, string> | undefined;
  return (n) => {
    names ??= new Map([...Object.entries(builtin).map(([k, v]) => [Number(k), v] as [number, string]), ...tableFile(file)]);
    return names.get(n) ?? String(n);
  };
}

export const protoName = table('rt_protos', { 0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra',
  10: 'mrt', 11: 'zebra', 12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived', 42: 'babel', 186: 'bgp',
  187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp' });
export const scopeName = table('rt_scopes', { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' });
export const tableName = table('rt_tables', { 253: 'default', 254: 'main', 255: 'local' });
export const groupName = table('group', { 0: 'default' });

/** rtnl_rtntype_n2a. */
const RTN = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
export const routeTypeName = (n: number) => RTN[n] ?? String(n);

/** inet_ntop: dotted quad, or RFC 5952 IPv6 (glibc's: the longest run of 2+ zero words is ::, IPv4 tails). */
export function inetNtop(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return b.toString('hex');
  const w = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) w[i] = (b[2 * i] << 8) | b[2 * i + 1];
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) best = -1;
  const v4tail = best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) { s += '::'; i += bestLen - 1; continue; }
    if (i === 6 && v4tail) { s += `${s.endsWith(':') ? '' : ':'}${b[12]}.${b[13]}.${b[14]}.${b[15]}`; break; }
    s += (s && !s.endsWith(':') ? ':' : '') + w[i].toString(16);
  }
  return s;
}

/** ARPHRD_* whose 4- or 16-byte hardware address `ip` prints as an IP address (tunnels). */
const IP_HW = new Set([768, 776, 778, 769, 823]); // TUNNEL, SIT, IPGRE, TUNNEL6, IP6GRE

/** ll_addr_n2a: a link-layer address as `ip` prints it. */
export function llAddr(b: Buffer, hwType: number): string {
  if (IP_HW.has(hwType) && (b.length === 4 || b.length === 16)) return inetNtop(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Interface flags in print_link_flags' order; NO-CARRIER when up without carrier. */
const IFF: [string, number][] = [['LOOPBACK', 0x8], ['BROADCAST', 0x2], ['POINTOPOINT', 0x10], ['MULTICAST', 0x1000], ['NOARP', 0x80],
  ['ALLMULTI', 0x200], ['PROMISC', 0x100], ['MASTER', 0x400], ['SLAVE', 0x800], ['DEBUG', 0x4], ['DYNAMIC', 0x8000], ['AUTOMEDIA', 0x4000],
  ['PORTSEL', 0x2000], ['NOTRAILERS', 0x20], ['UP', 0x1], ['LOWER_UP', 0x10000], ['DORMANT', 0x20000], ['ECHO', 0x40000]];
const IFF_UP = 0x1, IFF_RUNNING = 0x40;

/** The flags `ip` prints for an interface's flag word, in its order (M-DOWN: the interface's master is down). */
export function linkFlags(flags: number, masterDown: boolean): string[] {
  const key = flags * 2 + (masterDown ? 1 : 0);
  let names = flagNames.get(key);
  if (!names) {
    if (flagNames.size > 1000) flagNames.clear();
    flagNames.set(key, names = flagList(flags, masterDown));
  }
  return names.slice();
}
/** linkFlags' lists by flags: a lab's interfaces have a handful of distinct flag words between them. */
const flagNames = new Map<number, string[]>();

function flagList(flags: number, masterDown: boolean): string[] {
  const out: string[] = [];
  if (flags & IFF_UP && !(flags & IFF_RUNNING)) out.push('NO-CARRIER');
  let rest = flags & ~IFF_RUNNING;
  for (const [name, bit] of IFF) if (rest & bit) { out.push(name); rest &= ~bit; }
  if (rest) out.push(rest.toString(16));
  if (masterDown) out.push('M-DOWN');
  return out;
}
export const isUp = (flags: number) => (flags & IFF_UP) !== 0;

/** Neighbour states in print_neigh_state's order. */
const NUD: [string, number][] = [['INCOMPLETE', 0x1], ['REACHABLE', 0x2], ['STALE', 0x4], ['DELAY', 0x8], ['PROBE', 0x10], ['FAILED', 0x20],
  ['NOARP', 0x40], ['PERMANENT', 0x80]];
export const NUD_PERMANENT = 0x80;
export function neighStates(state: number): string[] {
  const out: string[] = [];
  let rest = state;
  for (const [name, bit] of NUD) if (rest & bit) { out.push(name); rest &= ~bit; }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

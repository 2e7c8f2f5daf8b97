// Why a value fails one of the schema's named definitions (ifName, cidr, mac, ...). The schema decides THAT a value
// is invalid; these functions only put the reason into words, so they look at the value, not at the rules.
import { show } from '../core/finding.js';

export interface Explained { code: string; message: string; hint?: string }

const ALLOWED_IF = "letters, digits, '_', '.' and '-'";

/** The first character not matched by `allowed`, in words ("a line break") and raw. */
function badChar(s: string, allowed: RegExp): { words: string; raw: string } | undefined {
  const c = [...s].find((ch) => !allowed.test(ch));
  if (c === undefined) return undefined;
  const words = c === '\n' ? 'a line break' : c === '\t' ? 'a tab' : /\s/.test(c) ? 'whitespace' : JSON.stringify(c);
  return { words, raw: c };
}

function ifName(v: string): Explained {
  const what = `interface name ${show(v)}`;
  const bytes = Buffer.byteLength(v);
  if (bytes === 0) return { code: 'bad-name', message: 'interface name is empty' };
  if (v.startsWith('-')) return { code: 'bad-name', message: `${what} starts with '-': it could be read as an option`, hint: 'start the name with a letter or digit' };
  if (v === '.' || v === '..') return { code: 'bad-name', message: `${what} is reserved by the kernel` };
  const c = badChar(v, /[A-Za-z0-9_.-]/);
  if (c) {
    const why = c.raw === '/' || c.raw === ':' ? ' (the kernel refuses it)' : /[;$`&|<>()\\'"*?!#~]/.test(c.raw) ? ' (a shell metacharacter)' : '';
    return { code: 'bad-name', message: `${what} contains ${c.words}${why}`, hint: `interface names may use ${ALLOWED_IF}` };
  }
  if (bytes > 15) {
    return { code: 'name-too-long', message: `${what} is ${bytes} bytes: interface names are at most 15 bytes (the kernel's IFNAMSIZ)`, hint: 'shorten the name' };
  }
  return { code: 'bad-name', message: `${what} is not valid`, hint: `interface names are 1..15 bytes of ${ALLOWED_IF}` };
}

function nsName(v: string): Explained {
  const what = `namespace name ${show(v)}`;
  if (v === '') return { code: 'bad-name', message: 'namespace name is empty' };
  if (v.startsWith('-')) return { code: 'bad-name', message: `${what} starts with '-': it could be read as an option`, hint: 'start the name with a letter, digit or "_"' };
  if (v.startsWith('.')) return { code: 'bad-name', message: `${what} starts with '.'`, hint: 'namespace names are file names under /run/netns; start with a letter, digit or "_"' };
  const c = badChar(v, /[A-Za-z0-9_.-]/);
  if (c) return { code: 'bad-name', message: `${what} contains ${c.words}`, hint: "namespace names may use letters, digits, '_', '.' and '-'" };
  if (v.length > 64) return { code: 'name-too-long', message: `${what} is ${v.length} characters; the limit is 64` };
  return { code: 'bad-name', message: `${what} is not valid` };
}

const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,15}$/;

/** A valid lab name close to `v` (lower case, other characters as '-'), or undefined. */
function labNameLike(v: string): string | undefined {
  const s = v.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 16).replace(/-+$/, '');
  return LAB_NAME.test(s) ? s : undefined;
}

function labName(v: string): Explained {
  const what = `lab name ${show(v)}`;
  const rule = "1 to 16 characters: lower-case letters, digits and '-', starting with a letter or digit";
  const like = labNameLike(v);
  const hint = like ? `${rule}, e.g. ${JSON.stringify(like)}` : rule;
  if (v.length > 16) return { code: 'bad-name', message: `${what} is ${v.length} characters; the limit is 16`, hint };
  if (/[A-Z]/.test(v)) return { code: 'bad-name', message: `${what} has upper-case letters`, hint: like ? `use ${JSON.stringify(like)}` : rule };
  if (v.startsWith('-')) return { code: 'bad-name', message: `${what} starts with '-': it could be read as an option`, hint };
  const c = badChar(v, /[a-z0-9-]/);
  return { code: 'bad-name', message: c ? `${what} contains ${c.words}` : `${what} is not valid`, hint };
}

function mac(v: string): Explained {
  const what = `MAC address ${show(v)}`;
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(v)) {
    return { code: 'bad-mac', message: `${what} is not six hex pairs separated by ':'`, hint: 'e.g. "02:00:00:00:00:01" (quote it)' };
  }
  if (/^0{2}(:0{2}){5}$/.test(v)) return { code: 'bad-mac', message: `${what} is all zeros`, hint: 'use a locally administered address like 02:00:00:00:00:01' };
  return { code: 'bad-mac', message: `${what} is a multicast address (lowest bit of the first byte set); an interface needs a unicast one`, hint: 'locally administered unicast addresses start with 02, 06, 0a, 0e, ...' };
}

const cidr = (v: string): Explained => v.includes('/')
  ? { code: 'bad-address', message: `${show(v)} is not an address with a prefix length`, hint: 'e.g. 10.0.0.1/24 or fd00::1/64' }
  : { code: 'bad-address', message: `address ${show(v)} has no prefix length`, hint: `write it with its prefix, e.g. ${v}/${v.includes(':') ? 64 : 24}` };

const address = (v: string): Explained => v.includes('/')
  ? { code: 'bad-address', message: `${show(v)} must be a plain address, without a prefix length`, hint: `write ${v.split('/')[0]}` }
  : { code: 'bad-address', message: `${show(v)} is not an IPv4 or IPv6 address` };

const EXPLAIN: Record<string, (v: string) => Explained> = {
  ifName, nsName, labName, mac, cidr, address,
  routeDst: (v) => ({ code: 'bad-address', message: `route destination ${show(v)} is not "default", a CIDR or an address`, hint: 'e.g. default, 10.1.0.0/16, 10.1.0.7, fd00:1::/64' }),
  natTarget: (v) => ({ code: 'bad-address', message: `forward target ${show(v)} is not an address with an optional port or range of ports`, hint: 'e.g. 10.0.1.2, 10.0.1.2:80, 10.0.1.2:9000-9010, [fd00::2]:80' }),
  sysctlName: (v) => ({ code: 'bad-sysctl', message: `sysctl name ${show(v)} is not a dotted sysctl name`, hint: 'e.g. net.ipv4.ip_forward (dots, not slashes)' }),
  sysctlValue: (v) => ({ code: 'bad-sysctl', message: `sysctl value ${show(v)} contains a control character or line break` }),
};

/** The reason `value` fails definition `def`, or undefined when there is no explainer for it. */
export function explain(def: string, value: unknown): Explained | undefined {
  const f = EXPLAIN[def] as ((v: string) => Explained) | undefined;
  return f && typeof value === 'string' ? f(value) : undefined;
}

// What a name may look like, for input that does not come through the schema: the state record (core/state.ts) and
// the commands built from it. The patterns are the schema's (schemas/topology.schema.json, definitions nsName,
// ifName, labName), plus the one rule the schema leaves to the semantic checks: only net.* sysctls belong to a
// namespace — any other sysctl is global to the machine (`kernel.core_pattern` is a root shell), and topo never
// writes one.

/** A lab's name, or one host's slice of a lab: "lab.host" (core/host-slice.ts sliceLabName). */
export const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,15}(\.[a-z0-9][a-z0-9-]{0,15})?$/;
export const NS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** 1 to 15 bytes (IFNAMSIZ); these characters are one byte each. */
export const IF_NAME = /^(?!-)(?!\.\.?$)[A-Za-z0-9_.-]{1,15}$/;
export const NET_SYSCTL = /^net(\.[A-Za-z0-9_-]+)+$/;
/** A sysctl value as the kernel prints it: no control characters but tabs. */
export const SYSCTL_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

export const isNetSysctl = (key: string): boolean => NET_SYSCTL.test(key);

/** Primary weights of ICU's root collation for the characters of names (see nameOrder); letters case-blind. */
const PRIMARY = new Map<string, number>([...'_-./0123456789'].map((c, i) => [c, i]));
for (const [i, c] of [...'abcdefghijklmnopqrstuvwxyz'].entries()) { PRIMARY.set(c, 14 + i); PRIMARY.set(c.toUpperCase(), 14 + i); }

/**
 * The order String.prototype.localeCompare gives names (ICU's root collation) without its cost: its first call sets
 * up ICU's collation, ~5 ms of every plan of a lab with veths (kinds/veth.ts orders each pair's ends). For names of
 * A-Z a-z 0-9 _ - . / (the lab's own: NS_NAME, IF_NAME, and "/"): _ - . / before digits before letters, letters
 * compared case-blind first, then lower case before upper case at the first place where only case differs. Names
 * with any other character (someone else's interface) are compared by localeCompare itself.
 */
export function nameOrder(a: string, b: string): number {
  let tertiary = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = PRIMARY.get(a[i]), y = PRIMARY.get(b[i]);
    if (x === undefined || y === undefined) return a.localeCompare(b);
    if (x !== y) return rest(a, i) && rest(b, i) ? x - y : a.localeCompare(b);
    if (!tertiary && a[i] !== b[i]) tertiary = a[i] > b[i] ? -1 : 1; // 'a' (0x61) after 'A' (0x41) in code units, before it here
  }
  if (!rest(a, 0) || !rest(b, 0)) return a.localeCompare(b);
  return a.length !== b.length ? a.length - b.length : tertiary;
}

/** Are all characters of `s` from `i` on ones nameOrder weighs itself? */
const rest = (s: string, i: number) => { for (let j = i; j < s.length; j++) if (!PRIMARY.has(s[j])) return false; return true; };

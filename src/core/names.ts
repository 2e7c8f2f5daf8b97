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

// The running kernel's build options (CONFIG_*), for checks that depend on what the kernel was built with (validation
// itself reads nothing). A feature a kernel lacks is refused by it only when topo runs the command, often with
// nothing but "Operation not supported"; where the kernel's configuration can be read, the file is refused up front
// instead, at the line that asks for it. Read from /proc/config.gz (CONFIG_IKCONFIG_PROC) or, as distributions
// ship it, /boot/config-<release>; read once, and only when a check asks.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';

/** Past this size the file is not a kernel configuration (a few hundred KiB at most). */
const MAX_BYTES = 4 << 20;

/**
 * Whether the running kernel was built with an option ("BRIDGE_VLAN_FILTERING", without CONFIG_): true when built in
 * or as a module, false when not set, undefined when no configuration could be read.
 */
export function kernelConfig(sources = defaultSources()): (option: string) => boolean | undefined {
  let options: Map<string, string> | null | undefined;
  return (option) => {
    if (options === undefined) options = readConfig(sources);
    if (options === null) return undefined;
    const v = options.get(`CONFIG_${option}`);
    return v === 'y' || v === 'm';
  };
}

const defaultSources = () => [{ path: '/proc/config.gz', gzip: true }, { path: `/boot/config-${release()}`, gzip: false }];

/** The first readable configuration's options with their values; null when none is readable. */
function readConfig(sources: { path: string; gzip: boolean }[]): Map<string, string> | null {
  for (const s of sources) {
    try {
      const raw = readFileSync(s.path);
      const text = (s.gzip ? gunzipSync(raw, { maxOutputLength: MAX_BYTES }) : raw).toString('utf8');
      const out = parseConfig(text);
      if (out.size) return out;
    } catch { /* next */ }
  }
  return null;
}

/** `CONFIG_X=y` lines; "# CONFIG_X is not set" and comments are absent from the map. */
export function parseConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

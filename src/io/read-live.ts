// Reads the kernel: one `ip -json -d -batch` process per namespace (links with their addresses, then all
// routes), namespaces read in parallel; sysctls with one `sysctl` process per namespace that needs them.
import type { IpLink, IpRoute, LiveSnapshot, NsLive } from '../core/live.js';
import { HOST } from '../model.js';
import { TopoError } from '../errors.js';
import { argvOf } from './commands.js';
import { PARALLEL, pool } from './pool.js';
import type { Runner } from './runner.js';

export interface ReadRequest {
  /** Namespaces to read (besides the host, always read); those that don't exist are skipped. */
  namespaces: string[];
  /** Sysctl keys to read, by namespace. */
  sysctls: Record<string, string[]>;
  /** Extra per-namespace readers (e.g. nftables), keyed by what they fill in. */
  extra?: ((ns: string, runner: Runner) => Promise<Partial<NsLive>>)[];
}

export async function listNetns(run: Runner): Promise<string[]> {
  const r = await run(['ip', '-json', 'netns', 'list']);
  if (r.exitCode !== 0) throw kernelReadError(['ip', '-json', 'netns', 'list'], r.stderr);
  const text = r.stdout.trim();
  return text ? (JSON.parse(text) as { name: string }[]).map((n) => n.name) : [];
}

export async function readLive(run: Runner, req: ReadRequest): Promise<LiveSnapshot> {
  const netns = await listNetns(run);
  const exists = new Set(netns);
  const targets = [HOST, ...new Set(req.namespaces.filter((n) => n !== HOST && exists.has(n)))];
  const read = await pool(targets, PARALLEL, (ns) => readNamespace(run, ns, req));
  return { netns, ns: Object.fromEntries(read.filter((n): n is NsLive => !!n).map((n) => [n.name, n])) };
}

async function readNamespace(run: Runner, ns: string, req: ReadRequest): Promise<NsLive | undefined> {
  const argv = ['ip', ...(ns === HOST ? [] : ['-n', ns]), '-json', '-d', '-batch', '-'];
  const r = await run(argv, { input: 'addr show\nroute show table all\nnetns list-id\n' });
  if (r.exitCode !== 0) {
    if (ns !== HOST && /No such file|Invalid argument|Cannot open/.test(r.stderr)) return undefined; // deleted meanwhile
    throw kernelReadError(argv, r.stderr);
  }
  const docs = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l) as unknown);
  const links = asArray<IpLink>(docs[0]).filter((l) => typeof l?.ifname === 'string');
  const routes = asArray<IpRoute>(docs[1]).filter((x) => typeof x?.dst === 'string');
  const nsids = Object.fromEntries(asArray<{ nsid: number; name?: string }>(docs[2]).filter((x) => x.name).map((x) => [x.nsid, x.name!]));
  const live: NsLive = { name: ns, links, routes, nsids, sysctls: await readSysctls(run, ns, req.sysctls[ns] ?? []) };
  for (const more of req.extra ?? []) Object.assign(live, await more(ns, run));
  return live;
}

async function readSysctls(run: Runner, ns: string, keys: string[]): Promise<Record<string, string>> {
  if (!keys.length) return {};
  const argv = argvOf({ ns, tool: 'sysctl', args: ['-e', ...keys] });
  const r = await run(argv);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) = ?(.*)$/.exec(line);
    if (m) out[m[1].replace(/\//g, '.')] = m[2];
  }
  return out;
}

function asArray<T>(x: unknown): T[] {
  return Array.isArray(x) ? (x as T[]) : [];
}

function kernelReadError(argv: string[], stderr: string): TopoError {
  const perm = /Operation not permitted|Permission denied/.test(stderr);
  return new TopoError(perm ? 'E_PERM' : 'E_READ', `reading the kernel failed: ${argv.join(' ')}: ${stderr.trim()}`, perm ? 77 : 1);
}


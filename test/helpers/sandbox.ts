// A private network sandbox for integration tests: a process in its own network and mount namespaces with a
// tmpfs on /run (so /run/netns and topo's state dir /run/topo are private) and /etc overlaid by a writable layer
// on that tmpfs (so what a lab writes under /etc, /etc/netns/<ns>/hosts and resolv.conf, stays in the sandbox: the
// real /etc is the overlay's read-only lower layer). Commands enter it with nsenter. Nothing done inside can touch
// the machine's real network or files, and everything vanishes when the holder is killed.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { fe80Routes, LINK_WORK_PENDING, linkWorkPending, readUntilSettled, type NsRead } from './link-work.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TOPO = `${ROOT}bin/topo.js`;
export const example = (name: string) => `${ROOT}examples/${name}`;
/** The files the built CLI runs from (relative to ROOT): what a test copies to run topo elsewhere. */
export const CLI_FILES = ['bin/topo.js', 'bin/load-bundle.js', 'bin/package.json', 'dist/topo.cjs', 'dist/topo.cache', 'package.json'];

/**
 * The sandbox's /etc: an overlay whose upper layer is on the sandbox's tmpfs /run. Writes under /etc (a lab's
 * /etc/netns files) land there and never on the machine's disk; `ip netns exec` in the sandbox sees them.
 */
export const ETC_OVERLAY = 'mkdir -p /run/etc-up /run/etc-work && mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/etc-up,workdir=/run/etc-work /etc';

export interface Run { stdout: string; stderr: string; exitCode: number }

export class Sandbox {
  private constructor(private holder: ResultPromise, readonly pid: number) {}

  static async create(): Promise<Sandbox> {
    const holder = execa('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      `mount -t tmpfs tmpfs /run && mkdir -p /run/netns /run/topo && ${ETC_OVERLAY} && ip link set lo up && echo ready && exec sleep 1000000`],
    { reject: false, buffer: false, stdout: 'pipe', stdin: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`sandbox did not start (exit ${code})`)));
    });
    return new Sandbox(holder, holder.pid!);
  }

  /** Run argv inside the sandbox. Never throws on a non-zero exit. */
  async run(argv: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
    const r = await execa('nsenter', ['-t', String(this.pid), '-n', '-m', '--', ...argv], {
      input: opts.input, reject: false, env: { ...opts.env }, timeout: opts.timeoutMs ?? 60_000,
    });
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
  }

  /** Run a shell snippet inside the sandbox (test setup only; topo itself never uses a shell). */
  sh(script: string): Promise<Run> {
    return this.run(['sh', '-ec', script]);
  }

  /** Run the topo CLI inside the sandbox. */
  topo(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return this.run([process.execPath, TOPO, ...args], { env });
  }

  /** `ip -json` in a namespace (or the sandbox's own, "host"), parsed. */
  async ipJson<T = any>(ns: string, ...args: string[]): Promise<T> {
    const r = await this.run(['ip', ...(ns === 'host' ? [] : ['-n', ns]), '-json', ...args]);
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')} in ${ns}: ${r.stderr}`);
    return JSON.parse(r.stdout || '[]') as T;
  }

  async netns(): Promise<string[]> {
    return (await this.ipJson<{ name: string }[]>('host', 'netns', 'list')).map((n) => n.name).sort();
  }

  /** Ping from a namespace; true when it answered. */
  async ping(ns: string, addr: string, count = 1): Promise<boolean> {
    const r = await this.run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(count), '-W', '1', addr]);
    return r.exitCode === 0;
  }

  /**
   * Everything the kernel shows in the sandbox: namespaces and, per namespace, links, addresses, routes. Read again
   * (up to 10 s) while the kernel's link-watch or addrconf work after a change is seen pending (helpers/link-work.ts):
   * two snapshots then compare what topo did, not how far the kernel had got (readUntilSettled).
   */
  async snapshot(): Promise<Record<string, unknown>> {
    const settled = await readUntilSettled('snapshot', 10_000, () => this.snapshotOnce(), (r) => (r.pending ? LINK_WORK_PENDING : ''));
    return settled.out;
  }

  private async snapshotOnce(): Promise<{ out: Record<string, unknown>; pending: boolean }> {
    const out: Record<string, unknown> = {};
    const reads: NsRead[] = [];
    for (const ns of ['host', ...(await this.netns())]) {
      const raw = await this.ipJson<any[]>(ns, '-d', 'addr', 'show');
      const links = raw.map((l) => ({
        ifname: l.ifname, flags: l.flags, mtu: l.mtu, master: l.master, ifalias: l.ifalias, kind: l.link_type,
        addrs: (l.addr_info ?? []).filter((a: any) => a.scope !== 'link').map((a: any) => `${a.local}/${a.prefixlen}`).sort(),
      })).sort((a, b) => a.ifname.localeCompare(b.ifname));
      const rawRoutes = await this.ipJson<any[]>(ns, 'route', 'show', 'table', 'all');
      const routes = rawRoutes
        .map((r) => `${r.table ?? 'main'} ${r.type ?? ''} ${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''} ${r.protocol ?? ''} ${r.metric ?? ''}`).sort();
      out[ns] = { links, routes };
      reads.push({ raw, fe80Routes: fe80Routes(rawRoutes) });
    }
    return { out, pending: linkWorkPending(reads) };
  }

  async close(): Promise<void> {
    this.holder.kill('SIGKILL');
    await this.holder.catch(() => undefined);
  }
}

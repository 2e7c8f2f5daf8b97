// A private network sandbox for the benchmark (same construction as test/helpers/sandbox.ts): a holder process
// in its own network and mount namespaces with a tmpfs on /run, commands entered with nsenter. Everything the
// benchmark builds lives and dies in there; nothing touches the machine's real network.
import { execa, type ResultPromise } from 'execa';

export interface Run { stdout: string; stderr: string; exitCode: number; ms: number }

export class BenchSandbox {
  private constructor(private holder: ResultPromise, readonly pid: number) {}

  static async create(): Promise<BenchSandbox> {
    const holder = execa('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount -t tmpfs tmpfs /run && mkdir -p /run/netns /run/topo && ip link set lo up && echo ready && exec sleep 1000000'],
    { reject: false, buffer: false, stdout: 'pipe', stdin: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`sandbox did not start (exit ${code}); the benchmark needs root`)));
    });
    return new BenchSandbox(holder, holder.pid!);
  }

  /** Run argv inside the sandbox and time it (wall clock, from spawn to exit). Never throws on a non-zero exit. */
  async run(argv: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
    const t0 = performance.now();
    const wd = opts.cwd ? [`--wd=${opts.cwd}`] : [];
    const r = await execa('nsenter', ['-t', String(this.pid), '-n', '-m', ...wd, '--', ...argv], {
      reject: false, env: opts.env, timeout: opts.timeoutMs ?? 600_000, stdin: 'ignore',
    });
    const ms = performance.now() - t0;
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1, ms };
  }

  /** Like run, but a non-zero exit is an error naming what ran. */
  async must(argv: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
    const r = await this.run(argv, opts);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return r;
  }

  async ipJson<T>(...args: string[]): Promise<T> {
    const r = await this.must(['ip', '-json', ...args]);
    return JSON.parse(r.stdout || '[]') as T;
  }

  async netns(): Promise<string[]> {
    return (await this.ipJson<{ name: string }[]>('netns', 'list')).map((n) => n.name);
  }

  /** Names of the interfaces in the sandbox's own (host) namespace. */
  async hostLinks(): Promise<string[]> {
    return (await this.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname);
  }

  /** Ping from one namespace to an address; a couple of tries (the first may wait for ARP). */
  async ping(ns: string, addr: string): Promise<boolean> {
    for (let i = 0; i < 3; i++) {
      const r = await this.run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-q', '-c', '1', '-W', '2', addr]);
      if (r.exitCode === 0) return true;
    }
    return false;
  }

  /**
   * Wait until the bridge is quiet: right after N interfaces come up, the kernel's IPv6 start-up traffic (DAD,
   * router solicitations, MLD reports) is flooded by the bridge to every port, O(N²) packets that slow anything
   * else for seconds (at N = 1000 a plan took 3× as long right after the build). Operations timed after a build
   * wait for this first, whichever way built the lab, so they are measured in the steady state.
   */
  async quiet(dev: string, ports: number, timeoutMs = 60_000): Promise<void> {
    const packets = async () => {
      const [l] = await this.ipJson<{ stats64?: { rx?: { packets?: number } } }[]>('-s', 'link', 'show', 'dev', dev);
      return l?.stats64?.rx?.packets ?? 0;
    };
    // Quiet: under max(20, ports/20) packets a second, three seconds in a row (router solicitations come in waves).
    const t0 = Date.now();
    let calm = 0;
    for (let before = await packets(); calm < 3 && Date.now() - t0 < timeoutMs;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await packets();
      calm = now - before < Math.max(20, ports / 20) ? calm + 1 : 0;
      before = now;
    }
  }

  /** Packets the bridge's ports have sent (tx, summed over its ports): what it flooded and forwarded to them. */
  async portTxPackets(bridge: string): Promise<number> {
    const ports = await this.ipJson<{ stats64?: { tx?: { packets?: number } } }[]>('-s', 'link', 'show', 'master', bridge);
    return ports.reduce((sum, p) => sum + (p.stats64?.tx?.packets ?? 0), 0);
  }

  /** Wait until the kernel has freed what deleted namespaces held (their veth peers leave the host last). */
  async settle(timeoutMs = 30_000, pollMs = 50): Promise<void> {
    const t0 = Date.now();
    while ((await this.hostLinks()).some((l) => l !== 'lo')) {
      if (Date.now() - t0 > timeoutMs) throw new Error('the sandbox did not settle: host interfaces left after teardown');
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async close(): Promise<void> {
    this.holder.kill('SIGKILL');
    await this.holder.catch(() => undefined);
  }
}

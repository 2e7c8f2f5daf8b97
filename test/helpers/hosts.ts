// Simulated hosts for the multi-host tests: each "host" is a sandbox of its own (test/helpers/sandbox.ts: its own
// network and mount namespaces, a tmpfs /run with its own /run/netns and state dir /run/topo, /etc overlaid) running
// a real OpenSSH server. The hosts and a controller (one more sandbox) are joined by an underlay the test makes: a
// bridge `sw` in a "lab switch" sandbox, and one veth per machine, `eth0` inside it. Keys (the hosts', the client's)
// and known_hosts are made per run in a temporary folder. Everything is torn down by PID.
//
// SAFETY: sshd runs inside its host's network namespace, which has nothing but lo and the underlay's eth0 (checked
// before sshd starts), and listens on the underlay address only: it can never be reached from the real network.
//
// The hosts share the machine's file system (only /run and /etc are theirs), so topo is at this checkout's
// bin/topo.js on every host; a real host gets it with `npm i -g` of the tarball `npm pack` makes.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox, TOPO, type Run } from './sandbox.js';

/** PATH for commands run over ssh (sshd's default for a session leaves out /usr/sbin on some builds). */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SSHD = '/usr/sbin/sshd';

/** A word for a POSIX shell: the remote side of ssh runs its command line with the user's shell. */
export const shq = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface HostSpec { name: string; address: string }

/** One simulated host: its sandbox, its underlay address, its sshd. */
export class SimHost {
  constructor(readonly name: string, readonly address: string, readonly sandbox: Sandbox, readonly sshd: ResultPromise) {}
}

/** The hosts, the controller, the switch: what a test drives over SSH. */
export class SimHosts {
  private constructor(
    readonly dir: string,
    readonly hosts: Map<string, SimHost>,
    readonly controller: Sandbox,
    private readonly sw: Sandbox,
  ) {}

  /**
   * Make the switch, `specs` hosts and a controller (at `controllerAddress`) on a /24 underlay, each host with its
   * sshd listening on its address; resolves once every host answers over SSH.
   */
  static async create(specs: HostSpec[], controllerAddress: string): Promise<SimHosts> {
    const dir = mkdtempSync(join(tmpdir(), 'topo-hosts-'));
    const made: Sandbox[] = [];
    const sshds: ResultPromise[] = [];
    try {
      const sw = await Sandbox.create(); made.push(sw);
      await must(sw.sh('ip link add sw type bridge && ip link set sw up'), 'the lab switch');
      const controller = await Sandbox.create(); made.push(controller);
      await plug(sw, controller, 'ctl', controllerAddress);
      await must(controller.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'topo-test-client', '-f', join(dir, 'client')]), 'the client key');
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')));
      const hosts = new Map<string, SimHost>();
      const known: string[] = [];
      for (const { name, address } of specs) {
        const sb = await Sandbox.create(); made.push(sb);
        await plug(sw, sb, name, address);
        // Wrapped: awaiting the subprocess itself would wait for sshd to exit.
        const { proc: sshd } = await startSshd(sb, name, address, dir, known);
        sshds.push(sshd);
        hosts.set(name, new SimHost(name, address, sb, sshd));
      }
      writeFileSync(join(dir, 'known_hosts'), known.join(''));
      writeFileSync(join(dir, 'ssh_config'), sshConfigText(dir));
      const sim = new SimHosts(dir, hosts, controller, sw);
      for (const h of hosts.values()) await sim.waitForSsh(h);
      return sim;
    } catch (e) {
      await teardown(sshds, made, dir);
      throw e;
    }
  }

  host(name: string): SimHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no simulated host ${name}`);
    return h;
  }

  /** ssh's arguments to reach `user@address` from the controller: this run's key and known_hosts, nothing else. */
  sshArgs(target: string): string[] {
    return ['ssh', '-F', '/dev/null', '-i', join(this.dir, 'client'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${join(this.dir, 'known_hosts')}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=30', target];
  }

  /**
   * An ssh configuration file with this run's key and known_hosts (what `topo --ssh-config FILE` hands to ssh -F):
   * the controller's topo reaches the hosts with it and nothing else.
   */
  get sshConfig(): string { return join(this.dir, 'ssh_config'); }

  /**
   * The topo command of the hosts (a file's `machines.X.topo`): this checkout's bin/topo.js, with a PATH that has
   * the sbin directories (ip, nft), as the words a file holds.
   */
  static readonly TOPO_COMMAND = `env PATH=${PATH} ${process.execPath} ${TOPO}`;

  /** Run topo on the controller (its sandbox), e.g. the fan-out of a file over every host; `input`: its stdin. */
  controllerTopo(args: string[], input?: string): Promise<Run> {
    return this.controller.run([process.execPath, TOPO, ...args], { timeoutMs: 180_000, input });
  }

  /** topo started on the controller and not awaited (a test that kill -9s it: its pid is the topo process's, nsenter execs it). */
  controllerSpawn(args: string[], env: Record<string, string> = {}): ResultPromise {
    return execa('nsenter', ['-t', String(this.controller.pid), '-n', '-m', '--', process.execPath, TOPO, ...args], { reject: false, timeout: 180_000, env });
  }

  /** Run argv on a host over ssh from the controller, as `user@address` says (default root at the host's address). */
  ssh(host: string, argv: string[], target = `root@${this.host(host).address}`): Promise<Run> {
    return this.controller.run([...this.sshArgs(target), '--', `env PATH=${PATH} ${argv.map(shq).join(' ')}`], { timeoutMs: 120_000 });
  }

  /** Run topo on a host over ssh: the checkout's bin/topo.js (the hosts share the machine's files). */
  topo(host: string, args: string[], target?: string): Promise<Run> {
    return this.ssh(host, [process.execPath, TOPO, ...args], target);
  }

  /** `ip -json` on a host, read over ssh. */
  async ipJson<T = unknown>(host: string, ...args: string[]): Promise<T> {
    const r = await this.ssh(host, ['ip', '-json', ...args]);
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')} on ${host}: ${r.stderr}`);
    return JSON.parse(r.stdout || '[]') as T;
  }

  /** Wait until the host's sshd answers (it starts in the background). */
  private async waitForSsh(h: SimHost): Promise<void> {
    let last: Run | undefined;
    for (let i = 0; i < 100; i++) {
      last = await this.ssh(h.name, ['true']);
      if (last.exitCode === 0) return;
      if (h.sshd.exitCode !== undefined && h.sshd.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`host ${h.name}: ssh root@${h.address} does not answer: ${last?.stderr.trim()}`);
  }

  /** Stop every sshd and sandbox, by PID, and remove the keys. */
  async close(): Promise<void> {
    await teardown([...this.hosts.values()].map((h) => h.sshd), [...[...this.hosts.values()].map((h) => h.sandbox), this.controller, this.sw], this.dir);
  }
}

/** ssh_config for every host of the run: root, this run's client key only, this run's host keys only. */
function sshConfigText(dir: string): string {
  return ['Host *', '  User root', `  IdentityFile ${join(dir, 'client')}`, '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', ''].join('\n');
}

async function must(p: Promise<Run>, what: string): Promise<Run> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`${what}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r;
}

/** A veth from the switch (port `port`, on bridge sw) to the sandbox, where it is eth0 with `address`/24. */
async function plug(sw: Sandbox, sb: Sandbox, port: string, address: string): Promise<void> {
  await must(sw.run(['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(sb.pid)]), `the underlay port ${port}`);
  await must(sw.run(['ip', 'link', 'set', port, 'master', 'sw', 'up']), `the underlay port ${port}`);
  await must(sb.sh(`ip addr add ${address}/24 dev eth0 && ip link set eth0 up`), `${port}'s underlay address`);
}

/**
 * sshd in the host's sandbox with this run's host key and configuration: root by key only (the client's, from
 * this run's folder), no PAM, listening on the underlay address alone. Appends the host's key to `known`.
 */
async function startSshd(sb: Sandbox, name: string, address: string, dir: string, known: string[]): Promise<{ proc: ResultPromise }> {
  const links = (JSON.parse((await must(sb.run(['ip', '-json', 'link', 'show']), `${name}'s interfaces`)).stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
  if (links.join(',') !== 'eth0,lo') throw new Error(`host ${name}: refusing to start sshd in a network namespace with ${links.join(', ')} (expected only lo and eth0)`);
  const key = join(dir, `${name}-host-key`);
  await must(sb.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `topo-test-${name}`, '-f', key]), `${name}'s host key`);
  known.push(`${address} ${readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  const config = join(dir, `${name}-sshd_config`);
  writeFileSync(config, [
    `ListenAddress ${address}:22`, `HostKey ${key}`, `PidFile /run/sshd-${name}.pid`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password', 'PubkeyAuthentication yes', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'X11Forwarding no', 'AllowTcpForwarding no',
    'PrintMotd no', 'LogLevel ERROR', '',
  ].join('\n'));
  // Privilege separation wants /run/sshd (on the sandbox's tmpfs /run).
  await must(sb.run(['mkdir', '-p', '-m', '0755', '/run/sshd']), `${name}'s /run/sshd`);
  const sshd = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', SSHD, '-D', '-e', '-f', config],
    { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
  return { proc: sshd };
}

async function teardown(sshds: ResultPromise[], sandboxes: Sandbox[], dir: string): Promise<void> {
  for (const s of sshds) { s.kill('SIGTERM'); await s.catch(() => undefined); }
  for (const sb of sandboxes) await sb.close();
  rmSync(dir, { recursive: true, force: true });
}

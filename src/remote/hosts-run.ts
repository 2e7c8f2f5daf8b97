// Running the fan-out's commands: one process per host per phase, every host at once (remote/ssh.ts makes their
// argv). A run owns a private folder (mode 0700) for ssh's shared connections; close() ends them and removes it.
import { execa } from 'execa';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostSpec } from '../model.js';
import { closeArgv, hostArgv, masterArgv, type Transport } from './ssh.js';

/** What one host's process did. `exitCode` 255 from ssh: ssh itself failed (the host was not reached). */
export interface HostRun { host: string; argv: string[]; exitCode: number; stdout: string; stderr: string }

export class HostsRun {
  private constructor(readonly machines: Record<string, HostSpec>, readonly transport: Transport) {}

  /** A run over `machines`: its private folder made. */
  static open(machines: Record<string, HostSpec>, o: { sshConfig?: string; self: string[] }): HostsRun {
    const controlDir = mkdtempSync(join(tmpdir(), 'topo-ssh-')); // mkdtemp makes it 0700
    return new HostsRun(machines, { controlDir, sshConfig: o.sshConfig, self: o.self });
  }

  get hosts(): string[] { return Object.keys(this.machines); }

  private spec(host: string): HostSpec {
    const m = this.machines[host];
    if (!m) throw new Error(`no machine ${host}`);
    return m;
  }

  /** The argv that runs topo with `args` on `host`. */
  argv(host: string, args: string[], o: { tty?: boolean; suffix?: string } = {}): string[] {
    return hostArgv(this.spec(host), this.transport, args, o);
  }

  /**
   * Open the shared connection of every ssh host, all at once: each host's result (a local host: exit 0 at once).
   * ssh's message is read from a file, the background master keeping no pipe of ours open.
   */
  async connect(): Promise<HostRun[]> {
    return Promise.all(this.hosts.map(async (host) => {
      const m = this.spec(host);
      if (m.local) return { host, argv: [], exitCode: 0, stdout: '', stderr: '' };
      const argv = masterArgv(m, this.transport);
      const log = join(this.transport.controlDir, `${host}.log`);
      closeSync(openSync(log, 'w', 0o600));
      const r = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: { file: log, append: true } });
      return { host, argv, exitCode: r.exitCode ?? 255, stdout: '', stderr: readFileSync(log, 'utf8') || (r.exitCode === undefined ? r.shortMessage ?? '' : '') };
    }));
  }

  /** `args` run by topo on every host in `hosts` at once (`input`: its standard input, e.g. the file for `-`). */
  async each(hosts: string[], args: (host: string) => string[] | undefined, input?: (host: string) => string | undefined): Promise<HostRun[]> {
    const runs = await Promise.all(hosts.map(async (host) => {
      const a = args(host);
      return a ? this.one(host, a, input?.(host)) : undefined;
    }));
    return runs.filter((r): r is HostRun => r !== undefined);
  }

  /** `args` run by topo on one host, its output captured. */
  async one(host: string, args: string[], input?: string): Promise<HostRun> {
    const argv = this.argv(host, args);
    const r = await execa(argv[0]!, argv.slice(1), { reject: false, input: input ?? '', stripFinalNewline: false, maxBuffer: 256 * 1024 * 1024 });
    return { host, argv, exitCode: r.exitCode ?? (r.signal ? 128 : 255), stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') || (r.exitCode === undefined ? r.shortMessage ?? '' : '') };
  }

  /** End every shared connection and remove the run's folder. */
  async close(): Promise<void> {
    await Promise.all(this.hosts.filter((h) => !this.spec(h).local).map(async (h) => {
      const argv = closeArgv(this.spec(h), this.transport);
      await execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', timeout: 15_000 });
    }));
    rmSync(this.transport.controlDir, { recursive: true, force: true });
  }
}

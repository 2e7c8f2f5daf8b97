// nft in-process (src/io/netlink/nft.ts: libnftables with the thread inside the namespace). In a sandbox, a Node
// process makes a table in one lab namespace, reads it, and fails in each way a command can (a script nft refuses, one
// the kernel refuses, a delete of nothing, a namespace that is gone, a file that is no namespace); after every call
// the process and its thread are back in their own namespace. Then the `nft` command, run as `ip netns exec NS nft`,
// answers each of them on the same kernel state: the same exit status, the same JSON, the same error text, and the
// table is in that namespace and no other. Then topo itself: its apply, drift repair and destroy of a firewall run no nft process,
// except in a namespace with files in /etc/netns (which `ip netns exec` shows nft as /etc).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/thread-steps.js';

const TABLE = `add table inet t
add chain inet t c1 { type filter hook forward priority 0; policy drop; }
add rule inet t c1 ct state established,related accept
add rule inet t c1 iifname "eth0" tcp dport { 80, 443 } counter accept
add rule inet t c1 ip saddr 10.0.0.0/8 meta l4proto icmp counter reject
`;
/** Refused by nft itself (a port out of range, line 2), and by the kernel (no such chain, line 1). */
const OUT_OF_RANGE = 'add table inet u\nadd chain inet u c { type filter hook input priority 0; }\nadd rule inet u c tcp dport 99999 accept\n';
const NO_CHAIN = 'add rule inet t nochain accept\n';

/** Each call: [step name, namespace, nft's arguments, its stdin]. */
const CALLS: [string, string, string[], string?][] = [
  ['make', 's1', ['-f', '-'], TABLE],
  ['read', 's1', ['-j', 'list', 'table', 'inet', 't']],
  ['read where there is none', 's2', ['-j', 'list', 'table', 'inet', 't']],
  ['refused by nft', 's1', ['-f', '-'], OUT_OF_RANGE],
  ['refused by the kernel', 's1', ['-f', '-'], NO_CHAIN],
  ['delete of nothing', 's1', ['delete', 'table', 'inet', 'nope']],
  ['namespace gone', 'gone', ['-j', 'list', 'tables']],
  ['no namespace', 'plain', ['-j', 'list', 'tables']],
  ['own namespace', 'host', ['-j', 'list', 'tables']],
];

const SCRIPT = `
const { loadNftLib } = await import('${ROOT}dist/src/io/netlink/ffi.js');
const { nftScript, runNft } = await import('${ROOT}dist/src/io/netlink/nft.js');
const lib = loadNftLib();
if (typeof lib === 'string') throw new Error(lib);
for (const [name, ns, args, input] of ${JSON.stringify(CALLS)}) step(name, () => runNft(libc, lib, ns, nftScript(args, input)));
`;

/** The command's own answer, in the sandbox, as topo would run it. */
async function command(sb: Sandbox, ns: string, args: string[], input?: string) {
  const r = await sb.run([...(ns === 'host' ? [] : ['ip', 'netns', 'exec', ns]), 'nft', ...args], { input });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

describe('nft through libnftables, in-process', () => {
  let sb: Sandbox;
  beforeAll(async () => { sb = await Sandbox.create(); });
  afterAll(async () => { await sb?.close(); });

  it('answers as `ip netns exec NS nft` does, in that namespace only, and the thread always comes back', async () => {
    const setup = await sb.sh('ip netns add s1 && ip netns add s2 && touch /run/netns/plain');
    expect(setup.exitCode, setup.stderr).toBe(0);
    const { by } = await runSteps(sb, SCRIPT);
    expect(by.make).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(by['refused by nft'].exitCode).toBe(1);
    // Each error names its place and shows its own line (the script is read as a file, as the command reads stdin).
    expect(by['refused by nft'].stderr).toBe('/dev/stdin:3:29-33: Error: Service out of range\nadd rule inet u c tcp dport 99999 accept\n                            ^^^^^\n');
    expect(by['refused by the kernel'].stderr).toMatch(/^\/dev\/stdin:1:17-23: Error: Could not process rule: No such file or directory\nadd rule inet t nochain accept\n/);
    expect(by['namespace gone']).toEqual({ exitCode: 255, stdout: '', stderr: 'Cannot open network namespace "gone": No such file or directory\n' });
    // The table, read by the command, is s1's alone; the refused scripts left nothing (table u was in one of them).
    expect(JSON.parse(by.read.stdout).nftables.filter((o: object) => 'rule' in o)).toHaveLength(3);
    for (const [name, ns, args, input] of CALLS.filter(([n]) => n !== 'make')) {
      const { exitCode, stdout, stderr } = by[name] as { exitCode: number; stdout: string; stderr: string };
      // (execa, which runs the command, takes the final newline off its output)
      expect({ exitCode, stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, '') }, name).toEqual(await command(sb, ns, args, input));
    }
    expect((await command(sb, 's2', ['list', 'tables'])).stdout).toBe('');
    expect((await command(sb, 'host', ['list', 'tables'])).stdout).toBe('');
    expect((await command(sb, 's1', ['list', 'tables'])).stdout).toBe('table inet t');
  });
});

describe('topo runs no nft process with the netlink engine', () => {
  let sb: Sandbox;
  let dir: string;
  beforeAll(async () => { sb = await Sandbox.create(); dir = mkdtempSync(join(tmpdir(), 'topo-nft-')); });
  afterAll(async () => { await sb?.close(); rmSync(dir, { recursive: true, force: true }); });

  const LAB = `name: nftlab
namespaces:
  a: {}
  b: {}
  fw:
    sysctls: { net.ipv4.ip_forward: 1 }
    firewall:
      forward:
        policy: drop
        rules:
          - { state: [established, related], action: accept }
          - { in: veth-a, proto: icmp, action: accept, counter: true }
veths:
  - ends: [{ name: eth0, namespace: a, addresses: [10.0.1.2/24] }, { name: veth-a, namespace: fw, addresses: [10.0.1.1/24] }]
  - ends: [{ name: veth-b, namespace: fw, addresses: [10.0.2.1/24] }, { name: eth0, namespace: b, addresses: [10.0.2.2/24] }]
`;
  const traced = async (args: string[]) => {
    const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
    const r = await sb.topo(args, { TOPO_ENGINE: 'netlink', TOPO_TRACE_FILE: trace, TOPO_STATE_DIR: join(dir, 'state') });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    return { out: r.stdout, nft: lines.filter((a) => a.includes('nft')).map((a) => a.join(' ')) };
  };
  const rules = async () => (await command(sb, 'fw', ['list', 'chain', 'inet', 'topo-nftlab', 'forward'])).stdout;

  it('apply, drift repair, destroy: the table made, read and deleted in-process; /etc/netns/NS keeps the command', async () => {
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, LAB);
    const first = await traced(['apply', file]);
    expect(first.nft).toEqual(['in-process ip netns exec fw nft -f -']);
    expect(await rules()).toMatch(/iifname "veth-a" meta l4proto icmp counter packets 0 bytes 0 accept/);
    // Drift: the chain flushed behind topo's back is seen (read in-process) and repaired.
    expect((await command(sb, 'fw', ['flush', 'chain', 'inet', 'topo-nftlab', 'forward'])).exitCode).toBe(0);
    const repair = await traced(['apply', file]);
    expect(repair.out).toMatch(/1 changed/);
    expect(repair.nft).toEqual(['in-process ip netns exec fw nft -f -']);
    expect(await rules()).toMatch(/ct state established,related accept/);
    // A namespace with files in /etc/netns: nft runs as the command, which sees them.
    expect((await sb.sh('mkdir -p /etc/netns/fw && touch /etc/netns/fw/hosts')).exitCode).toBe(0);
    expect((await command(sb, 'fw', ['flush', 'chain', 'inet', 'topo-nftlab', 'forward'])).exitCode).toBe(0);
    const viaCommand = await traced(['apply', file]);
    // (its read for the plan, its script, its read for the verification)
    expect(viaCommand.nft).toEqual(['ip netns exec fw nft -j list table inet topo-nftlab', 'ip netns exec fw nft -f -',
      'ip netns exec fw nft -j list table inet topo-nftlab']);
    expect(await rules()).toMatch(/ct state established,related accept/);
    expect((await sb.sh('rm -r /etc/netns/fw')).exitCode).toBe(0);
    const gone = await traced(['destroy', file]);
    expect(gone.out).toMatch(/verified nothing is left/);
    expect(gone.nft).toEqual([]);
    expect(await sb.netns()).toEqual([]);
  });
});

// Reads by name (io/ip-reads.ts): a kind declares the `ip` lines it needs (Kind.ipReads); they join the one batch
// each namespace's read already runs, and each read gets the document of its own line, never one picked by position.
// The fake kernel answers each show line of a batch from documents captured per line, as `ip -json -batch` does.
import { describe, expect, it } from 'vitest';
import type { IpRead } from '../../src/core/live.js';
import { TopoError } from '../../src/errors.js';
import { nsReads } from '../../src/io/ip-reads.js';
import { readLive } from '../../src/io/read-live.js';
import { runSegment, type Item } from '../../src/io/run-step-cmds.js';
import type { RunResult, Runner } from '../../src/io/runner.js';
import type { Step } from '../../src/model.js';

/** `ip -json rule show` with one rule besides the kernel's three (`ip rule add from 10.0.0.0/24 table 100 priority 100`). */
const RULES = [{ priority: 0, src: 'all', table: 'local', protocol: 'kernel' }, { priority: 100, src: '10.0.0.0', srclen: 24, table: '100', protocol: 'unspec' },
  { priority: 32766, src: 'all', table: 'main', protocol: 'kernel' }, { priority: 32767, src: 'all', table: 'default', protocol: 'kernel' }];
const LO = [{ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, addr_info: [] }];
const ANSWERS: Record<string, unknown> = {
  'addr show': LO, 'route show table all': [], 'netns list': [], 'rule show': RULES, 'neigh show': [],
  'link show type veth': [], 'mptcp endpoint show': [],
};

/** Answers each batch line by line; `silent` lines print nothing, `text` lines print what `ip` prints without JSON. */
function kernel(o: { silent?: string[]; text?: Record<string, string> } = {}) {
  const calls: { argv: string[]; input?: string }[] = [];
  const run: Runner = async (argv, opts): Promise<RunResult> => {
    calls.push({ argv, input: opts?.input });
    const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
    if (argv.join(' ') === 'ip -json netns list') return ok(JSON.stringify([{ name: 'ns1' }, { name: 'ns2' }]));
    if (!argv.includes('-batch')) throw new Error(`unexpected command: ${argv.join(' ')}`);
    const out = (opts?.input ?? '').split('\n').filter(Boolean).map((line) => {
      if (o.silent?.includes(line)) return '';
      if (o.text?.[line] !== undefined) return o.text[line];
      if (!(line in ANSWERS)) throw new Error(`unexpected line: ${line}`);
      return `${JSON.stringify(ANSWERS[line])}\n`;
    });
    return ok(out.join(''));
  };
  return { run, calls };
}

const RULE_READ: IpRead = { name: 'rule:rules', line: 'rule show' };
const read = (run: Runner, ipReads?: IpRead[]) => readLive(run, { namespaces: ['ns1', 'ns2'], sysctls: {}, ipReads, nsidsNeeded: () => [] });

describe('ip reads declared by kinds', () => {
  it('a kind\'s line comes back under its name in every namespace read, in the same batch (no process more)', async () => {
    const without = kernel(), withRule = kernel();
    await read(without.run);
    const snap = await read(withRule.run, [RULE_READ]);
    for (const ns of ['host', 'ns1', 'ns2']) expect(snap.ns[ns].ipDocs, ns).toEqual({ 'rule:rules': RULES });
    expect(snap.ns.ns1.links.map((l) => l.ifname)).toEqual(['lo']);
    expect(withRule.calls.map((c) => c.argv)).toEqual(without.calls.map((c) => c.argv));
    expect(withRule.calls.find((c) => c.argv.includes('ns1'))?.input).toBe('addr show\nroute show table all\nrule show\n');
    expect(withRule.calls.find((c) => c.argv.length === 5)?.input).toBe('addr show\nroute show table all\nnetns list\nrule show\n');
  });

  it('a line read twice (by two kinds, or one of topo\'s own) runs once; each read gets its document by its line', async () => {
    const k = kernel();
    const snap = await read(k.run, [{ name: 'a:routes', line: 'route show table all' }, RULE_READ, { name: 'b:rules', line: 'rule show' },
      { name: 'c:neigh', line: 'neigh show' }]);
    expect(k.calls.find((c) => c.argv.includes('ns1'))?.input).toBe('addr show\nroute show table all\nrule show\nneigh show\n');
    expect(snap.ns.ns2.ipDocs).toEqual({ 'a:routes': [], 'rule:rules': RULES, 'b:rules': RULES, 'c:neigh': [] });
  });

  it('a line the kernel does not answer in JSON is an error naming the command and the line', async () => {
    const xfrm: IpRead = { name: 'x:states', line: 'xfrm state list' };
    // Nothing at all (what `ip -json xfrm state list` prints with no states): the documents can't be told apart.
    await expect(read(kernel({ silent: ['xfrm state list'] }).run, [xfrm])).rejects.toThrow(
      /^reading the kernel failed: ip -json -d -batch - printed 3 JSON document\(s\) for its 4 show line\(s\) \(addr show; route show table all; netns list; xfrm state list\)/);
    // Text.
    const text = read(kernel({ text: { 'xfrm state list': 'src 10.0.0.1 dst 10.0.0.2\n\tproto esp spi 0x1\n' } }).run, [xfrm]);
    await expect(text).rejects.toThrow(TopoError);
    await expect(text).rejects.toThrow('reading the kernel failed: ip -json -d -batch - printed something that is not JSON where the answer to "xfrm state list" was due: "src 10.0.0.1 dst 10.0.0.2"');
  });

  it('a kind\'s line must be one read-only command with a name of its own: refused before anything runs', async () => {
    const fine = await read(kernel().run, [{ name: 'x', line: 'link show type veth' }, { name: 'y', line: 'mptcp endpoint show' }]);
    expect(fine.ns.ns1.ipDocs).toEqual({ x: [], y: [] });
    for (const bad of [{ name: 'x', line: 'link del dev eth0' }, { name: 'x', line: 'rule show\nlink del dev eth0' }, { name: 'x', line: 'rule flush' },
      { name: 'x', line: 'link del show' }, { name: 'x', line: 'netns exec show' }, { name: 'links', line: 'rule show' }]) {
      const k = kernel();
      await expect(read(k.run, [bad]), bad.line).rejects.toThrow(/^ip read /);
      expect(k.calls.filter((c) => c.argv.includes('-batch'))).toEqual([]);
    }
  });

  it('an apply\'s read-back (the last batch of a namespace) ends with the kinds\' lines too, and keeps their documents', async () => {
    const step: Step = { op: 'create', kind: 'address', key: 'address:ns1/e1/10.0.0.1/24', ns: 'ns1', label: 'a', rank: 330, stage: 'config', cmds: [] };
    const seg: Item[] = [{ step, cmd: { ns: 'ns1', tool: 'ip', args: ['addr', 'add', '10.0.0.1/24', 'dev', 'e1'] } }];
    const calls: (string | undefined)[] = [];
    const run: Runner = async (argv, opts) => {
      calls.push(opts?.input);
      return kernel().run(argv, { input: (opts?.input ?? '').split('\n').filter((l) => !l.startsWith('addr add')).join('\n') });
    };
    const r = await runSegment(run, seg, undefined, nsReads('ns1', [RULE_READ]));
    expect(calls).toEqual(['addr add 10.0.0.1/24 dev e1\naddr show\nroute show table all\nrule show\n']);
    expect(r.readBack?.ipDocs).toEqual({ 'rule:rules': RULES });
  });
});

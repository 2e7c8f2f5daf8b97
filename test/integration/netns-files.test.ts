// Files per namespace against a real machine, in the sandbox (whose /etc is an overlay on its tmpfs: nothing lands
// on the machine's disk, checked): the example's files read back from /etc/netns (content, mode, what the record
// lists), names resolving in `topo exec` (getent, ping by name); a hand edit and a deleted file are drift, repaired;
// removed from the file → the file goes, then the directory topo made; destroy leaves no file and no directory topo
// made, and leaves a directory someone else made; a file topo did not write at a declared path is a conflict,
// reported and untouched; a failing apply takes back the files and directories it made. Top-level dns:/hosts:
// reach every lab namespace (combined with a namespace's own), never the sandbox's own /etc files; the C library's
// resolver in a lab namespace asks the server and tries the search domains as the written resolv.conf says.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, example } from '../helpers/sandbox.js';
import { appliedClean, expectNoChanges, shOk } from '../helpers/clean-steps.js';
import { dnsServer } from '../helpers/dns.js';

const EXAMPLE = example('hosts-by-name.yaml');
const TEXT = readFileSync(EXAMPLE, 'utf8');
const MARK = '# managed by topo lab hosts-lab; edits are replaced';
const CLIENT_HOSTS = `${MARK}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.1.0.1\tgateway\n10.1.0.2\tclient\n10.1.0.1\trouter\n10.2.0.1\trouter\n10.2.0.2\tweb\n`;
const CLIENT_RESOLV = `${MARK}\nsearch lab.test\nnameserver 10.2.0.2\n`;

let dir: string, sb: Sandbox;
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-netns-files-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => { sb = await Sandbox.create(); });
afterEach(async () => { await sb.close(); });

const apply = async (f: string, env: Record<string, string> = {}) => (await appliedClean(sb, f, env)).stdout;
const converged = (f: string) => expectNoChanges(sb, f);
const sh = (script: string) => shOk(sb, script);
/** What is under /etc/netns in the sandbox: "path mode" per entry, and files' content. */
const tree = async () => (await sb.sh('cd /etc/netns 2>/dev/null && find . -mindepth 1 -printf "%p %m\\n" | sort || true')).stdout.trim().split('\n').filter(Boolean);
/** A file's content (the sandbox's runner strips the last newline of what a command prints: put back). */
const cat = async (path: string) => `${await sh(`cat ${path}`)}\n`;

describe('files per namespace', () => {
  it('example: the files read back; names resolve in topo exec; drift repaired; re-apply is a no-op; destroy leaves nothing', async () => {
    await apply(EXAMPLE);
    expect(await tree()).toEqual(['./client 755', './client/hosts 644', './client/resolv.conf 644', './web 755', './web/hosts 644']);
    expect(await cat('/etc/netns/client/hosts')).toBe(CLIENT_HOSTS);
    expect(await cat('/etc/netns/client/resolv.conf')).toBe(CLIENT_RESOLV);
    expect(await cat('/etc/netns/web/hosts')).toContain('10.1.0.2\tclient\n');
    // The sandbox's /etc is its own: nothing of this reached the machine's.
    expect(existsSync('/etc/netns/client')).toBe(false);
    const record = JSON.parse(await cat('/run/topo/hosts-lab.json'));
    expect(record.objects).toEqual(['netns-dir:client/dir', 'netns-dir:host/netns', 'netns-dir:web/dir', 'netns-file:client/hosts',
      'netns-file:client/resolv.conf', 'netns-file:web/hosts']);

    const getent = await sb.topo(['exec', EXAMPLE, 'client', '--', 'getent', 'hosts', 'web']);
    expect(getent.stdout).toBe('10.2.0.2        web');
    expect((await sb.topo(['exec', EXAMPLE, 'client', '--', 'ping', '-c1', '-W2', 'web'])).exitCode).toBe(0);
    expect(`${(await sb.topo(['exec', EXAMPLE, 'client', '--', 'cat', '/etc/resolv.conf'])).stdout}\n`).toBe(CLIENT_RESOLV);
    await converged(EXAMPLE);

    // A hand edit below the mark, and a file deleted: drift, repaired.
    await sh('echo "10.9.9.9 evil" >> /etc/netns/client/hosts; rm /etc/netns/web/hosts');
    const plan = await sb.topo(['plan', EXAMPLE, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ netns-file /etc/netns/client/hosts (line 9: 10.9.9.9 evil -> none)');
    expect(plan.stdout).toContain('+ netns-file /etc/netns/web/hosts');
    await apply(EXAMPLE);
    expect(await cat('/etc/netns/client/hosts')).toBe(CLIENT_HOSTS);
    expect(await cat('/etc/netns/web/hosts')).toContain(MARK);
    const again = await sb.topo(['apply', EXAMPLE, '--json']);
    expect(JSON.parse(again.stdout).changed).toBe(false);

    const d = await sb.topo(['destroy', EXAMPLE]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    expect((await sb.sh('test -e /etc/netns')).exitCode).toBe(1);
  });

  it('removed from the file: the file goes, then the directory topo made once it holds nothing of the lab\'s', async () => {
    await apply(EXAMPLE);
    const noDns = file('no-dns.yaml', TEXT.replace('    dns: { nameservers: [10.2.0.2], search: [lab.test] }\n', ''));
    expect(await apply(noDns)).toContain('- netns-file /etc/netns/client/resolv.conf');
    expect(await tree()).toEqual(['./client 755', './client/hosts 644', './web 755', './web/hosts 644']);
    const noClient = file('no-client.yaml', TEXT.replace('    dns: { nameservers: [10.2.0.2], search: [lab.test] }\n', '')
      .replace('    hosts:\n      lab: true\n      names: { gateway: 10.1.0.1 }\n', ''));
    const out = await apply(noClient);
    expect(out).toContain('- netns-file /etc/netns/client/hosts');
    expect(out).toContain('- netns-dir /etc/netns/client');
    expect(await tree()).toEqual(['./web 755', './web/hosts 644']);
    await converged(noClient);
  });

  it('a directory someone made stays, with their file in it; a directory topo made holding their file stays too', async () => {
    await sh('mkdir -p /etc/netns/web && echo mine > /etc/netns/web/nsswitch.conf');
    await apply(EXAMPLE);
    await sh('echo theirs > /etc/netns/client/extra');
    const d = await sb.topo(['destroy', EXAMPLE]);
    expect(d.exitCode, d.stdout + d.stderr).toBe(0);
    expect(await tree()).toEqual(['./client 755', './client/extra 644', './web 755', './web/nsswitch.conf 644']);
  });

  it('a file topo did not write at a declared path is a conflict: reported, never touched', async () => {
    await sh('mkdir -p /etc/netns/client && printf "nameserver 9.9.9.9\\n" > /etc/netns/client/resolv.conf');
    const r = await sb.topo(['apply', EXAMPLE]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('/etc/netns/client/resolv.conf, a file topo did not write');
    expect(await cat('/etc/netns/client/resolv.conf')).toBe('nameserver 9.9.9.9\n');
    expect(await sb.netns()).toEqual([]);
  });

  it('top-level dns: and hosts: reach every lab namespace, combined with a namespace\'s own; what runs there reads them', async () => {
    const f = file('top.yaml', `name: tops
dns: { nameservers: [10.5.0.53], search: [lab.test], options: { ndots: 2, timeout: 1, attempts: 2, rotate: true } }
hosts: { lab: true, names: { gateway: 10.5.0.254 } }
namespaces:
  a: {}
  b:
    dns: { nameservers: [10.5.0.54], options: { rotate: false, edns0: true } }
    hosts: { lab: false, names: { gateway: 10.5.0.1, db: 10.5.0.3 } }
veths:
  - ends:
      - { name: eth0, namespace: a, addresses: [10.5.0.1/24] }
      - { name: eth0, namespace: b, addresses: [10.5.0.2/24] }
`);
    await apply(f);
    const mark = '# managed by topo lab tops; edits are replaced';
    const local = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';
    expect(await tree()).toEqual(['./a 755', './a/hosts 644', './a/resolv.conf 644', './b 755', './b/hosts 644', './b/resolv.conf 644']);
    expect(await cat('/etc/netns/a/resolv.conf')).toBe(`${mark}\nsearch lab.test\nnameserver 10.5.0.53\noptions ndots:2 timeout:1 attempts:2 rotate\n`);
    expect(await cat('/etc/netns/b/resolv.conf')).toBe(`${mark}\nsearch lab.test\nnameserver 10.5.0.54\noptions ndots:2 timeout:1 attempts:2 edns0\n`);
    expect(await cat('/etc/netns/a/hosts')).toBe(`${mark}\n${local}10.5.0.254\tgateway\n10.5.0.1\ta\n10.5.0.2\tb\n`);
    expect(await cat('/etc/netns/b/hosts')).toBe(`${mark}\n${local}10.5.0.1\tgateway\n10.5.0.3\tdb\n`);
    // What runs in the namespace sees them in place of /etc's: names resolve from the hosts file (no DNS traffic).
    expect((await sb.topo(['exec', f, 'a', '--', 'getent', 'hosts', 'b'])).stdout).toBe('10.5.0.2        b');
    expect((await sb.topo(['exec', f, 'b', '--', 'getent', 'hosts', 'gateway'])).stdout).toBe('10.5.0.1        gateway');
    expect(`${(await sb.topo(['exec', f, 'b', '--', 'cat', '/etc/resolv.conf'])).stdout}\n`).toBe(await cat('/etc/netns/b/resolv.conf'));
    // Never the host's: the sandbox's own /etc/resolv.conf and /etc/hosts are the machine's, untouched.
    for (const f of ['/etc/resolv.conf', '/etc/hosts']) expect(await cat(f)).toBe(readFileSync(f, 'utf8'));
    await converged(f);
    // Taken from the top: gone from every namespace when the top-level keys go.
    const none = file('top-none.yaml', readFileSync(f, 'utf8').replace(/^dns: .*\n^hosts: .*\n/m, ''));
    const out = await apply(none);
    expect(out).toContain('- netns-file /etc/netns/a/resolv.conf');
    expect(await tree()).toEqual(['./b 755', './b/hosts 644', './b/resolv.conf 644']);
    expect(await cat('/etc/netns/b/resolv.conf')).toBe(`${mark}\nnameserver 10.5.0.54\noptions edns0\n`);
    await converged(none);
    expect((await sb.topo(['destroy', none])).exitCode).toBe(0);
    expect((await sb.sh('test -e /etc/netns')).exitCode).toBe(1);
  });

  it('the C library\'s resolver follows the files: the name server asked, the search domains in the order ndots says', async () => {
    const f = file('resolver.yaml', `name: resolver
dns: { nameservers: [10.6.0.1], search: [lab.test], options: { ndots: 2, timeout: 1, attempts: 1 } }
namespaces:
  dns: {}
  c1: {}
  c2:
    dns: { options: { ndots: 1 } }
bridges:
  br0: { namespace: dns, addresses: [10.6.0.1/24] }
veths:
  - ends: [{ name: eth0, namespace: c1, addresses: [10.6.0.2/24] }, { name: p1, namespace: dns, bridge: br0 }]
  - ends: [{ name: eth0, namespace: c2, addresses: [10.6.0.3/24] }, { name: p2, namespace: dns, bridge: br0 }]
`);
    await apply(f);
    const log = '/run/dns-queries';
    const server = await dnsServer(sb, 'dns', log, { 'known.lab.test': '10.6.0.99' });
    try {
      const lookup = (ns: string, name: string) => sb.topo(['exec', f, ns, '--', 'getent', 'ahostsv4', name]);
      /** The questions the server got since the last call, in order. */
      const asked = async () => (await sb.sh(`cat ${log}; rm -f ${log}`)).stdout.split('\n').filter(Boolean);
      // A bare name: the search domain, found there.
      const known = await lookup('c1', 'known');
      expect(known.exitCode, known.stderr).toBe(0);
      expect(known.stdout.split('\n')[0]).toMatch(/^10\.6\.0\.99 +STREAM known\.lab\.test$/);
      expect(await asked()).toEqual(['known.lab.test 1']);
      // One dot: fewer than ndots 2 (c1, from the top), so the search domain first; c2's own ndots 1, the name as is first.
      expect((await lookup('c1', 'x.y')).exitCode).toBe(2);
      expect(await asked()).toEqual(['x.y.lab.test 1', 'x.y 1']);
      expect((await lookup('c2', 'x.y')).exitCode).toBe(2);
      expect(await asked()).toEqual(['x.y 1', 'x.y.lab.test 1']);
    } finally {
      await server.stop();
    }
  });

  it('a failing apply takes back the files and directories it made', async () => {
    const r = await sb.topo(['apply', EXAMPLE], { TOPO_FAIL_COMMAND: '/etc/netns/web/hosts' });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply');
    expect((await sb.sh('test -e /etc/netns')).exitCode).toBe(1);
    expect(await sb.netns()).toEqual([]);
  });
});

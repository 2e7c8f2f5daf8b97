// Guarantee: topo's state directory and its files are input, and root topo acts on them only when nobody but root
// could have written them (src/io/state-dir.ts, state-file.ts, core/state.ts). Each attack is made the way a
// non-root user would make it — uid 65534 (nobody) through setpriv, files planted with its ownership, a process
// racing topo (held between two commands through a FIFO as $TOPO_TRACE_FILE) — and the kernel is read back after.
// Sysctls outside net.* are global to the machine: the planted ones here are `kernel.hostname`, which belongs to
// the UTS namespace, and topo runs in a private one (`unshare --uts`) whenever a record holds one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, TOPO, example, type Run } from '../helpers/sandbox.js';
import { kernelState } from '../helpers/kernel-state.js';
import { cleanApplyState, expectOk, fixture, STACK, stateFiles } from '../helpers/reference.js';
import { isChange, killLeftovers, startTopo, TraceGate } from '../helpers/trace-gate.js';

const WIDE = fixture('wide.yaml');
const BIG = fixture('big.yaml');
const BIG_V2 = fixture('big-v2.yaml');
const TWO = example('two-namespaces.yaml'); // lab "two-ns"
const RECORD = '/run/topo/two-ns.json';
const LOCK = '/run/topo/two-ns.lock';


/** Runs topo, filling the state directory's file system once its first kernel change starts (the intent record is
 * written by then); topo's result. */
async function fillingAfterFirstChange(sb: Sandbox, args: string[], env: Record<string, string> = {}) {
  const gate = await TraceGate.create();
  try {
    const topo = startTopo(sb, args, { ...env, ...gate.env });
    let filled = false;
    for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
      if (filled || !cmds.some(isChange)) continue;
      filled = true;
      await sb.sh('dd if=/dev/zero of=/run/topo/fill bs=4k 2>/dev/null || true');
    }
    return await topo.done;
  } finally { gate.close(); }
}

describe('a state directory others can reach', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  /** A shell script run as uid/gid 65534 inside the sandbox. */
  const asNobody = (script: string) => sb.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-ec', script]);
  /** A refusal: exit 1, the message and a hint, no stack trace. */
  const refused = (r: Run, message: string) => {
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain('internal error');
  };

  it('a user who owns the state dir and swaps the scripts topo runs gets no line run as root: the dir is refused first', async () => {
    const STATE = '/run/evil';
    // /run is a sticky tmpfs like /tmp: anyone may make a directory there. (A file in it keeps it from being swept.)
    expectOk(await asNobody(`mkdir -p ${STATE}/scratch && touch ${STATE}/scratch/keep`));
    const gate = await TraceGate.create();
    const topo = startTopo(sb, ['apply', WIDE], { TOPO_STATE_DIR: STATE, ...gate.env });
    for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
      if (!cmds.some((a) => a[0] === 'perl')) continue;
      // topo starts a launcher of grouped scripts and stops before the next: whatever script files it wrote for
      // the next groups, ours take their place (in a directory we own we may rename root's entries). Our line makes
      // a namespace, which no rollback of the lab's removes.
      await asNobody(`cd ${STATE}/scratch; for d in $(find . -mindepth 1 -maxdepth 1 -user 0 ! -name '*.x' -printf '%f\\n'); do
        mv "$d" "$d.x" && mkdir "$d" && for i in $(seq 0 30); do echo 'netns add pwned' > "$d/$i"; done; done || true`);
    }
    gate.close();
    const r = await topo.done;
    expect(await sb.netns(), 'a line of ours ran as root').not.toContain('pwned');
    refused(r, `error: the state directory ${STATE} is owned by uid 65534, not by root`);
    expect(await sb.netns()).toEqual([]);
  });

  it('grouped namespace scripts never touch the file system: nothing to swap even where root can be raced', async () => {
    const gate = await TraceGate.create();
    // The ip engine's launcher (the netlink engine runs no script: its requests are made in-process).
    const topo = startTopo(sb, ['apply', WIDE], { ...gate.env, TOPO_ENGINE: 'ip' });
    const seen: string[][] = [];
    for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
      for (const argv of cmds.filter((a) => a[0] === 'perl')) {
        seen.push(argv);
        // Held between two launchers: the state dir holds the lock, the record (once written) and the lab's link
        // group claim, nothing else.
        const files = (await sb.run(['find', '/run/topo', '-mindepth', '1'])).stdout.split('\n').filter(Boolean).sort();
        const known = (f: string) => ['/run/topo/wide.json', '/run/topo/wide.lock', '/run/topo/groups'].includes(f) || /^\/run\/topo\/groups\/\d+$/.test(f);
        expect(files.filter((f) => !known(f))).toEqual([]);
      }
    }
    gate.close();
    expectOk(await topo.done);
    expect(seen.length).toBeGreaterThan(1);
    // The launcher's arguments are its program and the setns number: the scripts come on its stdin.
    for (const argv of seen) expect(argv.slice(3)).toEqual([expect.stringMatching(/^\d+$/)]);
  });

  it('topo makes its directory 0700 and its record 0600 whatever the umask; a directory others can write is refused', async () => {
    const STATE = '/run/fresh/topo';
    const umask0 = (args: string[]) => sb.run(['sh', '-c', 'umask 000 && exec "$@"', 'sh', process.execPath, TOPO, ...args], { env: { TOPO_STATE_DIR: STATE } });
    expectOk(await umask0(['apply', TWO]));
    expect((await sb.run(['stat', '-c', '%a %u %n', STATE, `${STATE}/two-ns.json`])).stdout.split('\n'))
      .toEqual([`700 0 ${STATE}`, `600 0 ${STATE}/two-ns.json`]);

    // Left writable by anyone (a daemon or a CI runner with umask 000 made it so): another user replaces the
    // record with one naming a namespace that is not the lab's.
    expectOk(await sb.sh(`chmod 755 /run/fresh && chmod 777 ${STATE} && ip netns add victim`));
    expectOk(await asNobody(`rm -f ${STATE}/two-ns.json; echo '{"lab":"two-ns","namespaces":["victim","ns1","ns2"]}' > ${STATE}/two-ns.json`));
    const before = await kernelState(sb);
    refused(await umask0(['destroy', TWO]), `error: the state directory ${STATE} is writable by anyone (mode 0777)`);
    refused(await umask0(['apply', TWO]), `error: the state directory ${STATE} is writable by anyone (mode 0777)`);
    expect(await kernelState(sb)).toEqual(before);
    expect(await sb.netns()).toEqual(['ns1', 'ns2', 'victim']);
  });

  it('a record another user owns is refused: no namespace deleted, no sysctl written', async () => {
    expectOk(await sb.sh(`ip netns add victim && printf '%s' '{"lab":"two-ns","namespaces":["victim"],"sysctls":{"host|kernel.hostname":"pwned"}}' > ${RECORD} && chown 65534:65534 ${RECORD}`));
    const before = await kernelState(sb);
    const r = await inUts(sb, ['destroy', TWO]);
    refused(r, `error: the state record ${RECORD} is owned by uid 65534, not by root: topo won't act on it`);
    expect(r.hostname).toBe('sandbox');
    expect(await sb.netns()).toEqual(['victim']);
    expect(await kernelState(sb)).toEqual(before);
  });

  it('a symlink planted at the name of the record\'s temporary file makes root overwrite nothing', async () => {
    expectOk(await sb.sh('echo precious > /run/victim'));
    const gate = await TraceGate.create();
    const topo = startTopo(sb, ['apply', BIG], gate.env);
    let planted = false;
    for (let cmds = await gate.next(topo.done); cmds; cmds = await gate.next(topo.done)) {
      if (planted || !cmds.some(isChange)) continue;
      // The apply is under way, its last record not yet written: the name it would write it under, as a symlink.
      planted = true;
      expectOk(await sb.sh(`ln -s /run/victim /run/topo/big.json.${topo.pid}.tmp`));
    }
    gate.close();
    expectOk(await topo.done);
    expect((await sb.run(['cat', '/run/victim'])).stdout).toBe('precious');
    expect((await sb.run(['stat', '-c', '%F %a', '/run/topo/big.json'])).stdout).toBe('regular file 600');
    expect(JSON.parse((await sb.run(['cat', '/run/topo/big.json'])).stdout)).toMatchObject({ version: 4, lab: 'big' });
  });
});

describe('files in the state directory are input', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await Sandbox.create();
    expectOk(await sb.sh('ip netns add a && ip netns add b')); // not the lab's
  });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  const refusedRecord = (r: Run, problem: string) => {
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stderr).toContain(`error: the state record ${RECORD} can't be used:\n  ${problem}`);
    expect(r.stderr).toContain(`hint: topo acts on nothing in a record it can't read`);
    expect(r.stderr).toContain(`mv ${RECORD} ${RECORD}.bad`);
    expect(r.stderr).not.toMatch(STACK);
  };

  it.each([
    ['a list as a string: iterated, it would name namespaces "a" and "b"', '{"lab":"two-ns","namespaces":"ab"}', 'namespaces: expected a list of namespace names, got "ab"'],
    ['truncated JSON', '{"lab":"two-ns","namespaces":["a",', 'not valid JSON'],
    ['garbage', '\u0000\u0001garbage', 'not valid JSON'],
    ['an empty file', '', 'the file is empty: truncated or damaged?'],
    ['a name that is not a namespace name', '{"lab":"two-ns","namespaces":["a","../b"]}', 'namespaces[1]: expected a namespace name, got "../b"'],
    ['a record of a later version', '{"version":7,"lab":"two-ns","namespaces":["a"]}', 'version 7: written by a newer topo'],
    ['a sysctl outside net.*', '{"lab":"two-ns","sysctls":{"host|kernel.hostname":"pwned"}}', 'sysctls key "host|kernel.hostname": expected "namespace|net.* sysctl"'],
  ])('%s: destroy, apply and plan refuse it, say what is wrong and how to recover; nothing changes', async (_, text, problem) => {
    expectOk(await sb.run(['sh', '-c', `cat > ${RECORD}`], { input: text }));
    const before = await kernelState(sb);
    for (const cmd of ['destroy', 'apply', 'plan']) {
      const r = await inUts(sb, [cmd, TWO]);
      refusedRecord(r, problem);
      expect(r.hostname).toBe('sandbox');
    }
    expect(await sb.netns()).toEqual(['a', 'b']);
    expect(await kernelState(sb)).toEqual(before);
  });

  it("a record written before records had a version is read as today's", async () => {
    expectOk(await sb.topo(['apply', TWO]));
    const record = JSON.parse((await sb.run(['cat', RECORD])).stdout);
    delete record.version;
    expectOk(await sb.run(['sh', '-c', `cat > ${RECORD}`], { input: JSON.stringify(record) }));
    expect((await sb.topo(['plan', TWO, '--detailed-exitcode'])).exitCode).toBe(0);
    expectOk(await sb.topo(['destroy', TWO]));
    expect(await sb.netns()).toEqual(['a', 'b']);
    expect(await stateFiles(sb)).toEqual([]);
  });

  it.each([
    ['the lock file', 'a dangling symlink', `ln -s /run/nowhere ${LOCK}`, `error: the lock file ${LOCK} is a symbolic link`],
    ['the lock file', 'a FIFO', `mkfifo ${LOCK}`, `error: the lock file ${LOCK} is a FIFO`],
    ['the lock file', 'a directory', `mkdir ${LOCK}`, `error: the lock file ${LOCK} is a directory`],
    ['the record', 'a symlink', `ln -s /etc/hostname ${RECORD}`, `error: the state record ${RECORD} is a symbolic link`],
    ['the record', 'a FIFO', `mkfifo ${RECORD}`, `error: the state record ${RECORD} is a FIFO`],
    ['the record', 'a directory', `mkdir ${RECORD}`, `error: the state record ${RECORD} is a directory`],
  ])('%s as %s: refused at once (within --wait), named, nothing changes', async (_, __, plant, message) => {
    expectOk(await sb.sh(plant));
    const before = await kernelState(sb);
    // Bounded here so that a topo that spins or blocks fails the test instead of hanging it.
    const r = await sb.run([process.execPath, TOPO, 'apply', TWO, '--wait', '1'], { timeoutMs: 30_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/\nhint: remove it \(rm/);
    expect(r.stderr).not.toMatch(STACK);
    expect(await kernelState(sb)).toEqual(before);
    expect((await sb.run(['ls', '/run/nowhere'])).exitCode).not.toBe(0); // a dangling lock symlink is not followed
  });
});

describe('a read-only or full state directory', () => {
  let sb: Sandbox;
  beforeEach(async () => { sb = await Sandbox.create(); });
  afterEach(async () => { killLeftovers(); await sb.close(); });

  it('read-only: apply and destroy say so before any kernel change and leave nothing behind', async () => {
    expectOk(await sb.sh('mount -t tmpfs -o ro,mode=755 tmpfs /run/topo'));
    const before = await kernelState(sb);
    for (const cmd of ['apply', 'destroy']) {
      const r = await sb.topo([cmd, BIG]);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('error: cannot open the lock file /run/topo/big.lock: the file system is read-only (EROFS)');
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(await kernelState(sb)).toEqual(before);
    expect(await stateFiles(sb)).toEqual([]);
  });

  it('full: apply says so before any kernel change and leaves no empty lock file', async () => {
    expectOk(await sb.sh('mount -t tmpfs -o size=64k,mode=755 tmpfs /run/topo && (dd if=/dev/zero of=/run/topo/fill bs=4k 2>/dev/null || true)'));
    const before = await kernelState(sb);
    const r = await sb.topo(['apply', BIG]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: cannot write the lock file /run/topo/big.lock: no space left on the file system (ENOSPC)');
    expect(r.stderr).not.toMatch(STACK);
    expect(await kernelState(sb)).toEqual(before);
    expect(await stateFiles(sb)).toEqual(['fill']);
  });

  it('full only when the last record is written: the verified apply succeeds with a warning, no *.tmp left; destroy works', async () => {
    expectOk(await sb.sh('mount -t tmpfs -o size=1m,mode=755 tmpfs /run/topo'));
    const r = await fillingAfterFirstChange(sb, ['apply', BIG]);
    expectOk(r);
    expect(r.stdout).toContain('Apply complete');
    expect(r.stderr).toContain('warning: cannot write the state record /run/topo/big.json: no space left on the file system (ENOSPC); the apply is complete and verified');
    expect(await stateFiles(sb)).toEqual(['big.json', 'fill', 'groups', 'groups/G']);
    expect(await kernelState(sb)).toEqual(await cleanApplyState(BIG));
    expectOk(await sb.sh('rm /run/topo/fill'));
    expectOk(await sb.topo(['destroy', BIG]));
    expect(await sb.netns()).toEqual([]);
    expect(await stateFiles(sb)).toEqual([]);
  });

  it('full when a failed change is rolled back: the kernel is put back, the error says the old record could not be; destroy removes all', async () => {
    expectOk(await sb.sh('mount -t tmpfs -o size=1m,mode=755 tmpfs /run/topo'));
    expectOk(await sb.topo(['apply', BIG]));
    // The plan's last step fails: everything before it ran, and is undone.
    const r = await fillingAfterFirstChange(sb, ['apply', BIG_V2], { TOPO_FAIL_COMMAND: 'netns del d' });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: step "d" failed: ip netns del d: injected failure');
    expect(r.stderr).toContain('rolled back: the lab is as it was before this apply (checked against the kernel)');
    expect(r.stderr).toContain('cannot write the state record /run/topo/big.json: no space left on the file system (ENOSPC); the record written before this apply stays');
    expect(r.stderr).not.toMatch(STACK);
    expect(await stateFiles(sb)).toEqual(['big.json', 'fill', 'groups', 'groups/G']);
    expectOk(await sb.sh('rm /run/topo/fill'));
    expect((await sb.topo(['plan', BIG, '--detailed-exitcode'])).exitCode).toBe(0);
    expectOk(await sb.topo(['destroy', BIG_V2]));
    expect(await sb.netns()).toEqual([]);
    expect(await stateFiles(sb)).toEqual([]);
  });
});

/** topo in a private UTS namespace named "sandbox" (so a record's kernel.hostname can't reach the machine's), and
 * that namespace's hostname after it ran. */
async function inUts(sb: Sandbox, args: string[]): Promise<Run & { hostname: string }> {
  const r = await sb.run(['unshare', '--uts', '--', 'sh', '-c',
    'hostname sandbox && "$@"; code=$?; echo "hostname=$(cat /proc/sys/kernel/hostname)" >&2; exit $code', 'sh', process.execPath, TOPO, ...args]);
  const hostname = /hostname=(.*)\n?$/.exec(r.stderr)?.[1] ?? '';
  return { ...r, stderr: r.stderr.replace(/hostname=.*\n?$/, ''), hostname };
}

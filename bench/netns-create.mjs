#!/usr/bin/env node
// Creating and deleting network namespaces, and writing their sysctls: through processes (what topo does) against
// in-process calls through koffi (issue #17). Root; everything happens inside a private sandbox that the script makes
// itself (`unshare --net --mount --propagation private`, a tmpfs on /run): nothing touches the machine's network.
//
//   node bench/netns-create.mjs [--sizes 300,1000] [--runs 3] [--keys 2] [--settle 5] [--no-sysctl]
//
// Per size N and run, timed from start to end (wall clock, ms):
//   create  ip-batch   one `ip -batch -` of N `netns add NAME` lines (what topo's namespaces step runs)
//           in-process what ip/ipnetns.c's netns_add does, from Node: /run/netns made a shared mount (bound on itself
//                      if it is no mount point yet; under flock, as ip does), the empty file created, unshare
//                      (CLONE_NEWNET) on the thread, /proc/thread-self/ns/net bind-mounted onto the file, setns back
//   delete  ip-batch   one `ip -batch -` of N `netns del NAME` lines
//           in-process umount2(MNT_DETACH) + unlink of each file (ipnetns.c's on_netns_del)
//   sysctl  process    K keys in each of the N namespaces, one `ip netns exec NS tee /proc/sys/KEY` per key, value
//                      on stdin (what topo runs for a sysctl), 8 namespaces at a time (topo's PARALLEL), keys in turn
//           in-process per key: setns into the namespace, open its /proc/sys file, setns back, write and close it
// The two ways alternate which goes first from run to run. The kernel frees deleted namespaces later, in a work
// queue: the script waits --settle seconds after each deletion so that work does not land in the next measurement.
// Each way is checked (the namespaces listed by `ip netns list`, a sysctl read back by `ip netns exec`).
//
// Measured on a loaded 2-CPU machine (session 23; two invocations of --runs 3; medians, ms, ip-batch -> in-process):
//   N=300   create 199 -> 204, 218 -> 190   delete 12 -> 12, 15 -> 16    sysctl (K=2) 2527 -> 62, 2757 -> 62
//   N=1000  create 662 -> 679, 513 -> 590   delete 46 -> 144, 141 -> 134  sysctl 15722 -> 534, 22679 -> 480
// (deletion's times swing with the kernel's freeing of earlier namespaces, whichever way deletes; the first invocation
// entered each namespace once for its K keys, the second once per key, as the writer does).
// Creating namespaces costs the kernel's work, not the one ip process: in-process creation is no clear win (topo
// keeps one `ip -batch`). Two `ip -batch` of N/2 lines in parallel took 0.72-0.83x one batch of 1000 (3 runs).
// Writing sysctls in-process is 29-47x faster than a process per key (src/io/netlink/sysctl-write.ts).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const SIZES = opt('sizes', '300,1000').split(',').map(Number);
const RUNS = Number(opt('runs', '3'));
const K = Number(opt('keys', '2'));
const SETTLE = Number(opt('settle', '5'));
const SYSCTL = !args.includes('--no-sysctl');
const KEYS = [['net.ipv4.ip_forward', '1'], ['net.ipv6.conf.all.forwarding', '1'], ['net.ipv4.conf.all.rp_filter', '2'],
  ['net.ipv4.icmp_echo_ignore_broadcasts', '0']].slice(0, K);
if (KEYS.length !== K) throw new Error(`--keys: at most 4`);

function libc() {
  const koffi = createRequire(import.meta.url)('koffi');
  const lib = koffi.load('libc.so.6');
  const strerror = lib.func('const char *strerror(int)');
  return {
    open: lib.func('int open(const char *, int, uint32_t)'),
    close: lib.func('int close(int)'),
    flock: lib.func('int flock(int, int)'),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const void *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    unlink: lib.func('int unlink(const char *)'),
    fail: (what) => { const e = koffi.errno(); return new Error(`${what}: ${strerror(e)}`); },
  };
}

const O_RDONLY = 0, O_CREAT = 0o100, O_EXCL = 0o200, O_DIRECTORY = 0o200000, O_CLOEXEC = 0o2000000;
const CLONE_NEWNET = 0x40000000, MS_BIND = 4096, MS_REC = 16384, MS_SHARED = 1 << 20, MNT_DETACH = 2;
const LOCK_EX = 2, LOCK_UN = 8, EINVAL = 22;
const DIR = '/run/netns';

function inProcess(c) {
  const home = c.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0);
  const back = () => { if (c.setns(home, CLONE_NEWNET) !== 0) { console.error('could not return'); process.exit(70); } };
  const shared = () => {
    mkdirSync(DIR, { recursive: true, mode: 0o755 });
    const lock = c.open(DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    c.flock(lock, LOCK_EX);
    try {
      let bound = false;
      while (c.mount('', DIR, 'none', MS_SHARED | MS_REC, null) !== 0) {
        if (bound) throw c.fail(`mount --make-shared ${DIR}`);
        if (c.mount(DIR, DIR, 'none', MS_BIND | MS_REC, null) !== 0) throw c.fail(`mount --bind ${DIR}`);
        bound = true;
      }
    } finally { c.flock(lock, LOCK_UN); c.close(lock); }
  };
  return {
    add(name) {
      shared();
      const path = `${DIR}/${name}`;
      const fd = c.open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
      if (fd < 0) throw c.fail(`ip netns add ${name}`);
      c.close(fd);
      if (c.unshare(CLONE_NEWNET) !== 0) { const e = c.fail(`ip netns add ${name}`); c.unlink(path); throw e; }
      const ok = c.mount('/proc/thread-self/ns/net', path, 'none', MS_BIND, null) === 0;
      const e = ok ? undefined : c.fail(`ip netns add ${name}`);
      back();
      if (e) { c.unlink(path); throw e; }
    },
    del(name) {
      const path = `${DIR}/${name}`;
      c.umount2(path, MNT_DETACH);
      if (c.unlink(path) !== 0) throw c.fail(`ip netns del ${name}`);
    },
    // One key: what src/io/netlink/sysctl-write.ts does (enter, open, come back; then write and close).
    sysctl(name, key, value) {
      const ns = c.open(`${DIR}/${name}`, O_RDONLY | O_CLOEXEC, 0);
      if (ns < 0) throw c.fail(`open ${DIR}/${name}`);
      let fd;
      try {
        if (c.setns(ns, CLONE_NEWNET) !== 0) throw c.fail(`setns ${name}`);
        try { fd = openSync(`/proc/sys/${key.replace(/\./g, '/')}`, constants.O_WRONLY); } finally { back(); }
      } finally { c.close(ns); }
      try { writeSync(fd, `${value}\n`); } finally { closeSync(fd); }
    },
  };
}

/** Run argv, `input` on stdin; resolves when it exits (rejects on a non-zero exit). */
function run(argv, input = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim().slice(0, 500)}`))));
    p.stdin.end(input);
  });
}

async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => { while (next < items.length) await fn(items[next++]); }));
}

const time = async (f) => { const t0 = performance.now(); await f(); return performance.now() - t0; };
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const listed = () => JSON.parse(execFileSync('ip', ['-json', 'netns', 'list'], { encoding: 'utf8' }) || '[]').length;
const names = (n, run) => Array.from({ length: n }, (_, i) => `b${run}-${i}`);

async function main() {
  const c = inProcess(libc());
  const rows = [];
  for (const n of SIZES) {
    for (let r = 0; r < RUNS; r++) {
      const ns = names(n, r);
      const ways = {
        'ip-batch': {
          add: () => run(['ip', '-batch', '-'], ns.map((x) => `netns add ${x}\n`).join('')),
          del: () => run(['ip', '-batch', '-'], ns.map((x) => `netns del ${x}\n`).join('')),
          sysctl: () => pool(ns, 8, async (x) => { for (const [k, v] of KEYS) await run(['ip', 'netns', 'exec', x, 'tee', `/proc/sys/${k.replace(/\./g, '/')}`], `${v}\n`); }),
        },
        'in-process': {
          add: async () => { for (const x of ns) c.add(x); },
          del: async () => { for (const x of ns) c.del(x); },
          sysctl: async () => { for (const x of ns) for (const [k, v] of KEYS) c.sysctl(x, k, v); },
        },
      };
      const order = r % 2 ? ['in-process', 'ip-batch'] : ['ip-batch', 'in-process'];
      for (const way of order) {
        const row = { n, run: r, way };
        row.create = await time(ways[way].add);
        if (listed() !== n) throw new Error(`${way}: ${listed()} namespaces listed after creating ${n}`);
        if (SYSCTL) {
          row.sysctl = await time(ways[way].sysctl);
          const last = ns[n - 1];
          for (const [k, v] of KEYS) {
            const got = execFileSync('ip', ['netns', 'exec', last, 'cat', `/proc/sys/${k.replace(/\./g, '/')}`], { encoding: 'utf8' }).trim();
            if (got !== v) throw new Error(`${way}: ${k} in ${last} reads ${got}, not ${v}`);
          }
        }
        row.delete = await time(ways[way].del);
        if (listed() !== 0) throw new Error(`${way}: ${listed()} namespaces left after deleting`);
        rows.push(row);
        console.error(JSON.stringify(row, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v) : v)));
        await sleep(SETTLE);
      }
    }
  }
  // Medians by size and way, and the in-process/ip ratio of each.
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
  const cols = ['create', 'delete', ...(SYSCTL ? ['sysctl'] : [])];
  console.log(`N\tway\t${cols.map((x) => `${x} ms (median of ${RUNS})`).join('\t')}`);
  for (const n of SIZES) {
    const m = {};
    for (const way of ['ip-batch', 'in-process']) {
      m[way] = Object.fromEntries(cols.map((col) => [col, med(rows.filter((x) => x.n === n && x.way === way).map((x) => x[col]))]));
      console.log(`${n}\t${way}\t${cols.map((col) => m[way][col].toFixed(0)).join('\t')}`);
    }
    console.log(`${n}\tratio\t${cols.map((col) => (m['in-process'][col] / m['ip-batch'][col]).toFixed(2)).join('\t')}`);
  }
}

// Outside the sandbox: make it and run this script again inside.
if (!args.includes('--inside')) {
  const self = fileURLToPath(import.meta.url);
  const inner = `mount -t tmpfs tmpfs /run && mkdir -p /run/netns /run/topo && exec "$0" "$@"`;
  const outer = `${readlinkSync('/proc/self/ns/net')},${readlinkSync('/proc/self/ns/mnt')}`;
  const r = spawn('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', inner, process.execPath, self, ...args, '--inside', outer], { stdio: 'inherit' });
  r.on('exit', (code) => process.exit(code ?? 1));
} else {
  // Refuse to run in the namespaces of the process that started the sandbox (--inside names them).
  const [net, mnt] = opt('inside', ',').split(',');
  if (!net || !mnt || readlinkSync('/proc/self/ns/net') === net || readlinkSync('/proc/self/ns/mnt') === mnt) {
    throw new Error('not in a private sandbox: refusing');
  }
  await main();
}

#!/usr/bin/env node
// `npm test` needs, besides Node: root, iproute2 (ip, with netns), util-linux (unshare, nsenter, flock, setpriv, prlimit), perl, procps (sysctl),
// nftables (nft), iputils-ping (ping), graphviz (dot) and python3 (examples/web-server.yaml's server), zsh and fish (the completion scripts are tested in each shell), openssl (the https tests' certificates). On a fresh Debian machine the missing ones are installed
// here with apt-get, so the test command works as written. Nothing is skipped: a missing tool fails the run.
// `npm run test:unit` (no root, no kernel) doesn't run this: npm runs `pretest` before `npm test` only.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const NEED = {
  ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', flock: 'util-linux', setpriv: 'util-linux', prlimit: 'util-linux',
  perl: 'perl-base', sysctl: 'procps', nft: 'nftables', ping: 'iputils-ping', dot: 'graphviz', python3: 'python3',
  zsh: 'zsh', fish: 'fish', openssl: 'openssl',
};
const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
const has = (cmd) => dirs.some((d) => { try { accessSync(`${d}/${cmd}`, constants.X_OK); return true; } catch { return false; } });

if (process.getuid?.() !== 0) {
  console.error('npm test needs root: the integration tests create network namespaces inside a private sandbox (unshare --net --mount). Run it as root (e.g. sudo npm test), or run `npm run test:unit` (the pure tests, no root needed).');
  process.exit(1);
}
const missing = [...new Set(Object.entries(NEED).filter(([c]) => !has(c)).map(([, p]) => p))];
if (missing.length) {
  console.log(`installing test dependencies: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  const still = Object.keys(NEED).filter((c) => !has(c));
  if (still.length) { console.error(`still missing after install: ${still.join(', ')}`); process.exit(1); }
}

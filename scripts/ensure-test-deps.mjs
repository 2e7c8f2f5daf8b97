#!/usr/bin/env node
// `npm test` needs, besides Node: root, iproute2 (ip, with netns), util-linux (unshare, nsenter, flock, setpriv,
// prlimit), perl, procps (sysctl), nftables (nft), iputils-ping (ping), graphviz (dot), python3
// (examples/web-server.yaml's server), zsh and fish (the completion scripts are tested in each shell), openssl (the
// https tests' certificates) and OpenSSH (ssh, ssh-keygen, sshd: the simulated hosts of test/helpers/hosts.ts, whose
// tests start their own sshd in a sandbox). On a fresh Debian machine the missing ones are installed here with
// apt-get, so the test command works as written; nothing is skipped: a missing tool fails the run. Installing a
// package never starts its service here (policy-rc.d says no for the install's length): openssh-server must not
// start a system sshd on the machine's real network. `npm run test:unit` (no root, no kernel) doesn't run this:
// npm runs `pretest` before `npm test` only.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';

const NEED = {
  ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', flock: 'util-linux', setpriv: 'util-linux', prlimit: 'util-linux',
  perl: 'perl-base', sysctl: 'procps', nft: 'nftables', ping: 'iputils-ping', dot: 'graphviz', python3: 'python3',
  zsh: 'zsh', fish: 'fish', openssl: 'openssl',
  ssh: 'openssh-client', 'ssh-keygen': 'openssh-client', sshd: 'openssh-server',
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
  // Debian's maintainer scripts ask invoke-rc.d, which asks this file, before starting a service: 101 = not allowed.
  const POLICY = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(POLICY);
  if (ours) writeFileSync(POLICY, '#!/bin/sh\n# written by topo\'s test setup while it installs packages: start no service\nexit 101\n', { mode: 0o755 });
  try {
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    }
  } finally {
    if (ours) rmSync(POLICY, { force: true });
  }
  const still = Object.keys(NEED).filter((c) => !has(c));
  if (still.length) { console.error(`still missing after install: ${still.join(', ')}`); process.exit(1); }
}

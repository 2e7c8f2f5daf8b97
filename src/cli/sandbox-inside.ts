// `topo sandbox`, the inner half: runs as the init (PID 1) of the sandbox sandbox.ts made (private network, mount
// and PID namespaces; tmpfs /run; /etc overlaid). It applies the lab, runs its tests, then CMD or an interactive
// shell, and returns its exit status; when it exits the kernel ends every process of the sandbox with it.
// Everything topo prints here goes to standard error: standard output is CMD's alone.
import { Socket } from 'node:net';
import { chmodSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT, TopoError } from '../errors.js';
import type { Plan } from '../model.js';
import { load } from './commands.js';
import { interactiveShell } from './shell.js';
import { shellQuote } from '../core/commands.js';
import { rendererFor } from './output.js';
import { nsInode, type SandboxOpts } from './sandbox.js';

/** Where the inner topo puts the `topo` command and the shell's rc file: the sandbox's own tmpfs. */
const BIN = '/run/topo-sandbox/bin';

/**
 * --inside carries the outer topo's network and mount namespace inodes: the inner half acts only when it is
 * the init of a PID namespace and in other network and mount namespaces, never on the host (it is an internal
 * option; given by hand it is refused).
 */
export function checkInside(given: string): void {
  const [net, mnt] = given.split(':');
  if (process.pid !== 1 || net === nsInode('net') || mnt === nsInode('mnt')) {
    throw new TopoError('E_USAGE', '--inside is internal to topo sandbox (it runs only inside the sandbox topo makes)', EXIT.USAGE);
  }
}

/**
 * The outer topo holds the other end of fd 3: when it dies, however, the socket closes and the sandbox ends.
 * `hold`: the socket keeps this topo alive until then (--hold has nothing else left to wait for).
 */
export function dieWithOuter(hold = false): void {
  const s = new Socket({ fd: 3, readable: true, writable: false });
  const end = () => process.exit(EXIT.FAILED);
  s.on('end', end).on('close', end).on('error', end);
  s.resume();
  if (!hold) s.unref();
}

const say = (o: SandboxOpts, text: string) => { if (!o.quiet) process.stderr.write(text); };

export async function insideCmd(file: string, command: string[], o: SandboxOpts): Promise<number> {
  if (o.hold) return (await import('./sandbox-hold.js')).holdInside(file, o);
  checkInside(o.inside!);
  dieWithOuter();
  // Whatever the caller's environment said, the state lives on the sandbox's tmpfs.
  process.env.TOPO_STATE_DIR = '/run/topo';
  const topo = await load(file);
  const run = (await import('../io/runner.js')).runProcess;
  const { apply } = await import('../ops/apply.js');
  const { renderPlanText, summary } = await import('../render/plan.js');
  const onPlan = (plan: Plan) => say(o, renderPlanText(plan));
  const r = await apply(topo, { run, renderer: rendererFor(o), rollback: true, onPlan });
  const n = summary(r.plan);
  say(o, `Sandbox: lab "${topo.name}" applied: ${n.create} created in ${(r.ms / 1000).toFixed(2)} s; verified.\n`);
  if (topo.tests?.length) {
    const { labTests } = await import('./extra-commands.js');
    const t = await labTests({ name: topo.name, topology: topo, warnings: [], file });
    say(o, `\n${t.text}`);
    if (!t.ok) {
      process.stderr.write(o.keepGoing ? 'Sandbox: a test failed; going on (--keep-going).\n'
        : `Sandbox: a test failed: ${command.length ? 'not running the command' : 'not opening a shell'} (--keep-going runs it anyway).\n`);
      if (!o.keepGoing) return EXIT.FAILED;
    }
  }
  const env = sandboxEnv(topo.name);
  if (command.length) return runChild(command, env);
  say(o, `\nSandbox: lab "${topo.name}" is up; its namespaces: ${Object.keys(topo.namespaces ?? {}).join(', ') || '(none)'}.\n`
    + `Try: topo show ${file}, topo exec ${file} NS -- CMD, ip netns exec NS CMD. Exit the shell to throw everything away.\n`);
  const shell = interactiveShell(`(sandbox ${topo.name}) `, '/run/topo-sandbox');
  return runChild(shell.argv, { ...env, ...shell.env });
}

/** `topo` on the PATH (the same topo, whatever the sandbox's PATH says), and the lab's name in TOPO_SANDBOX. */
function sandboxEnv(lab: string): NodeJS.ProcessEnv {
  mkdirSync(BIN, { recursive: true });
  writeFileSync(`${BIN}/topo`, `#!/bin/sh\nexec ${shellQuote([process.execPath, realpathSync(process.argv[1]!)])} "$@"\n`);
  chmodSync(`${BIN}/topo`, 0o755);
  return { ...process.env, PATH: `${BIN}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`, TOPO_SANDBOX: lab, TOPO_STATE_DIR: '/run/topo' };
}

/** Runs argv with the terminal passed through; its exit status (128 + signal number when killed by one). */
async function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
  // Ctrl-C is the child's to handle; this topo waits for it.
  const ignore = () => undefined;
  process.on('SIGINT', ignore).on('SIGQUIT', ignore);
  try {
    return await new Promise<number>((resolve) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        process.stderr.write(`topo sandbox: ${argv[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
        resolve(e.code === 'ENOENT' ? 127 : EXIT.FAILED);
      });
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0)));
    });
  } finally {
    process.off('SIGINT', ignore).off('SIGQUIT', ignore);
  }
}

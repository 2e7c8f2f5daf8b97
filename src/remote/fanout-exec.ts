// `topo exec FILE NS@HOST -- cmd` across hosts: the command run by topo on that host, standard input, output and
// error passed through (ssh -t when standard input is a terminal: an interactive command or shell), its exit code
// returned. Standard input is the command's, so the file reaches the host as a here-document on file descriptor 3
// (read there as /dev/fd/3) — which needs a POSIX shell (sh, bash, zsh) as the remote user's login shell.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { TopoError } from '../errors.js';
import { answerOf, SSH_FAILED } from './combined.js';
import type { FanOut } from './fanout.js';

/** The here-document that hands the file to the remote command on descriptor 3. */
export function fileOnFd3(text: string): string {
  const end = `TOPO_FILE_${randomBytes(8).toString('hex')}`;
  return ` 3<<'${end}'\n${text}${text.endsWith('\n') ? '' : '\n'}${end}\n`;
}

export async function execExit(f: FanOut, host: string, file: string, ns: string, command: string[]): Promise<number> {
  const local = f.run.machines[host]!.local === true;
  const args = ['exec', local ? file : '/dev/fd/3', '--host', host, ns, ...(command.length ? ['--', ...command] : [])];
  const argv = f.run.argv(host, args, local ? {} : { tty: Boolean(process.stdin.isTTY), suffix: fileOnFd3(f.text) });
  const r = await execa(argv[0]!, argv.slice(1), { reject: false, stdio: 'inherit' });
  const code = r.exitCode ?? (r.signal ? 128 : 1);
  if (!local && code === SSH_FAILED) {
    // ssh's own failure (its message is already on standard error): named, as every fan-out error is.
    const a = answerOf({ host, argv: f.run.argv(host, args), exitCode: code, stdout: '', stderr: 'see the message above' });
    if (!a.ok) throw new TopoError(a.error.code, a.error.message, 1, { command: a.error.command, hint: a.error.hint });
  }
  return code;
}

// An interactive shell with a prompt that says where it is: `topo sandbox` without a command ("(sandbox LAB) ")
// and `topo exec FILE NS` without one ("(LAB:NS) "). $SHELL, or sh.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { shellQuote } from '../core/commands.js';

/**
 * The shell's argv, and PS1 for its environment. bash reads ~/.bashrc, which usually sets PS1: it gets an rc file
 * (written in `rcDir`) that reads ~/.bashrc first, then puts the tag in front of the prompt; other shells get PS1.
 */
export function interactiveShell(tag: string, rcDir: string): { argv: string[]; env: { PS1?: string } } {
  const shell = process.env.SHELL || 'sh';
  if (basename(shell) === 'bash') {
    const rc = join(rcDir, 'bashrc');
    writeFileSync(rc, `[ -f ~/.bashrc ] && . ~/.bashrc\nPS1=${shellQuote([tag])}"\${PS1:-\\\\$ }"\n`);
    return { argv: [shell, '--rcfile', rc, '-i'], env: {} };
  }
  return { argv: [shell, '-i'], env: { PS1: `${tag}# ` } };
}


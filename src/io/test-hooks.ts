// Fault injection for the reliability tests, read from environment variables that only the tests set. Each one
// acts on the real process against the real kernel; none of them changes what a command does when it runs.
//   TOPO_FAIL_COMMAND=s  a plan command whose argv contains s fails as if the kernel refused it (nothing runs).
//   TOPO_FAIL_UNDO=s     the same for rollback commands.
//   TOPO_CRASH_AFTER=k   right after the k-th kernel-changing command completes, topo SIGKILLs itself (kill -9).
//                        Commands of an `ip -batch` count one by one: the batch is cut after the k-th line.
//   TOPO_TRACE_FILE=path every argv topo starts is appended to it, one JSON array per line, before it starts; a
//                        command the netlink engine carries out in-process, as ["in-process", ...its argv].
//   TOPO_TRACE_GATE=fifo after each such line topo waits for one byte from this FIFO (test/helpers/trace-gate.ts
//                        holds it open and writes a byte per command it lets go): the tests act between two commands.
import { appendFileSync, closeSync, openSync, readSync } from 'node:fs';
import type { Cmd } from '../model.js';
import { argvOf } from '../core/commands.js';

export type FailAt = (cmd: Cmd) => string | undefined;

function failWhen(variable: 'TOPO_FAIL_COMMAND' | 'TOPO_FAIL_UNDO'): FailAt {
  return (cmd) => {
    const needle = process.env[variable];
    return needle && argvOf(cmd).join(' ').includes(needle) ? `injected failure (${variable}=${needle})` : undefined;
  };
}

export const injectedFailure = failWhen('TOPO_FAIL_COMMAND');
export const injectedUndoFailure = failWhen('TOPO_FAIL_UNDO');

let crashBudget: number | undefined;
let crashOwned = false;

/**
 * Reserve n commands from the crash budget: how many of them may run, whether this process must die once they
 * have run (the reservation that used up the budget), or whether to wait for that death without running anything
 * (a reservation that came after it).
 */
export function reserveCommands(n: number): { run: number; crashAfter: boolean; starve: boolean } {
  const limit = Number(process.env.TOPO_CRASH_AFTER);
  if (process.env.TOPO_CRASH_AFTER === undefined || !Number.isInteger(limit) || limit < 0) return { run: n, crashAfter: false, starve: false };
  crashBudget ??= limit;
  if (crashOwned) return { run: 0, crashAfter: false, starve: true };
  const run = Math.min(n, crashBudget);
  crashBudget -= run;
  crashOwned = crashBudget === 0;
  return { run, crashAfter: crashOwned, starve: false };
}

/** kill -9 of this very process: no cleanup, no finally blocks, no exit handlers. */
export function crashNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not stop the process');
}

/** $TOPO_TRACE_FILE and $TOPO_TRACE_GATE (above): called just before a process is started. Synchronous on purpose: nothing of topo moves while it waits. */
export function traceCommand(argv: string[]): void {
  const trace = process.env.TOPO_TRACE_FILE;
  if (!trace) return;
  appendFileSync(trace, `${JSON.stringify(argv)}\n`);
  const gate = process.env.TOPO_TRACE_GATE;
  if (!gate) return;
  const fd = openSync(gate, 'r');
  try { readSync(fd, Buffer.alloc(1), 0, 1, null); } finally { closeSync(fd); }
}

// Typed errors, rendered in one place (render/errors.ts). Only the CLI entry point turns them into exit codes.

export const EXIT = {
  OK: 0,
  FAILED: 1,
  CHANGES: 2,
  USAGE: 64,
  INVALID: 65,
  /** EX_SOFTWARE: a bug in topo, neither the file nor the kernel. */
  INTERNAL: 70,
  LOCKED: 75,
  NOT_PERMITTED: 77,
} as const;

export interface SourcePos { line: number; col: number }

export interface Problem {
  code: string;
  message: string;
  hint?: string;
  pos?: SourcePos;
  /** JSON pointer of the offending value in the document. */
  path?: string;
  /** Absent: an error. 'warning': reported, but the file is valid (unless --strict). */
  severity?: 'warning';
}

export class TopoError extends Error {
  constructor(
    public code: string,
    message: string,
    public exitCode: number = EXIT.FAILED,
    public details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TopoError';
  }
}

/** The file is invalid: every problem found, each with its place. */
export class InvalidTopology extends TopoError {
  constructor(public file: string, public problems: Problem[]) {
    super('E_INVALID', `${file}: ${problems.length} problem(s)`, EXIT.INVALID, { problems });
  }
}

/**
 * An exception that is not one of the above: a bug in topo, not a problem of the file or of the kernel. Its
 * cause (with the stack) is kept; the renderer prints the stack only when asked (TOPO_DEBUG=1).
 */
export class InternalError extends TopoError {
  constructor(public where: string, cause: unknown) {
    super('E_INTERNAL', `internal error in ${where} (a bug in topo): ${cause instanceof Error ? cause.message : String(cause)}`,
      EXIT.INTERNAL, { where, hint: 'please report it, with the stack trace printed when TOPO_DEBUG=1 is set' }, { cause });
    this.name = 'InternalError';
  }
}

/** Why a plan's step stopped: a command the kernel refused, or a bug while running it. */
export type StepFailure = CommandFailed | InternalError;

/** A kernel command failed: the step, the exact argv and the kernel's message. */
export class CommandFailed extends TopoError {
  constructor(public step: string, public argv: string[], public stderr: string, public exit: number | undefined, cause?: unknown) {
    super('E_COMMAND', `step "${step}" failed: ${argv.join(' ')}: ${stderr.trim() || `exit ${exit}`}`, EXIT.FAILED,
      { step, argv, stderr: stderr.trim(), exitCode: exit }, { cause });
  }
}

/**
 * topo's state directory or a file in it can't be used: not trusted (another user could write it), not the shape
 * topo writes, or not writable. `path` is the directory or file, `hint` says how to recover. Nothing was changed.
 */
export class StateError extends TopoError {
  constructor(public path: string, message: string, hint: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('E_STATE', message, EXIT.FAILED, { path, hint, ...details }, { cause });
  }
}

/** Another apply or destroy of the lab holds its lock, and kept it for as long as this one was willing to wait. */
export class LockBusy extends TopoError {
  constructor(public lab: string, message: string, details: Record<string, unknown> = {}) {
    super('E_LOCKED', message, EXIT.LOCKED, { lab, ...details });
    this.name = 'LockBusy';
  }
}

/** The command changes kernel network state and this process is not root (CAP_NET_ADMIN and CAP_SYS_ADMIN). */
export class NotPermitted extends TopoError {
  constructor(message: string) {
    super('E_PERM', message, EXIT.NOT_PERMITTED);
    this.name = 'NotPermitted';
  }
}

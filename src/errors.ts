// Typed errors, rendered in one place (render/errors.ts). Only the CLI entry point turns them into exit codes.

export const EXIT = {
  OK: 0,
  FAILED: 1,
  CHANGES: 2,
  USAGE: 64,
  INVALID: 65,
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

/** A kernel command failed: the step, the exact argv and the kernel's message. */
export class CommandFailed extends TopoError {
  constructor(public step: string, public argv: string[], public stderr: string, public exit: number | undefined, cause?: unknown) {
    super('E_COMMAND', `step "${step}" failed: ${argv.join(' ')}: ${stderr.trim() || `exit ${exit}`}`, EXIT.FAILED,
      { step, argv, stderr: stderr.trim(), exitCode: exit }, { cause });
  }
}

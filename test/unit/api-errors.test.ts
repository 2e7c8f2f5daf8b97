// The library's errors across the sandbox boundary: a CLI error document becomes the class it was thrown as, by
// its code; an apply stopped by a kernel command is a CommandFailed carrying the apply's whole message.
import { describe, expect, it } from 'vitest';
import { asStepError, errorFromJson } from '../../src/api/errors.js';
import { CommandFailed, InvalidTopology, LockBusy, NotPermitted, TopoError } from '../../src/errors.js';
import { errorJson } from '../../src/render/errors.js';

describe('errors as documents and back', () => {
  it('each class survives errorJson -> errorFromJson with its code, exit code and fields', () => {
    const cases: [TopoError, new (...a: never[]) => TopoError][] = [
      [new InvalidTopology('lab.yaml', [{ code: 'bad-address', message: 'no', path: '/x', pos: { line: 1, col: 2 } }]), InvalidTopology],
      [new CommandFailed('veth a', ['ip', 'link', 'add'], 'RTNETLINK answers: File exists', 2), CommandFailed],
      [new LockBusy('lab', 'lab "lab" is locked by pid 1', { lock: '/run/topo/lab.lock' }), LockBusy],
      [new NotPermitted('topo apply needs root'), NotPermitted],
      [new TopoError('E_VERIFY', 'verification failed', 1, { remaining: ['x'] }), TopoError],
    ];
    for (const [e, cls] of cases) {
      const back = errorFromJson(errorJson(e).error, e.exitCode, 'lab.yaml');
      expect(back, e.code).toBeInstanceOf(cls);
      expect(back).toMatchObject({ code: e.code, exitCode: e.exitCode, message: e.message });
      expect(errorJson(back)).toEqual(errorJson(e));
      if (e instanceof LockBusy) expect((back as LockBusy).lab).toBe('lab'); // the lab's name crosses too (it is in the document)
    }
  });

  it('an apply stopped by a command: the CommandFailed of its cause, with the apply\'s message and details', () => {
    const cause = new CommandFailed('addr', ['ip', 'addr', 'add'], 'RTNETLINK answers: Invalid argument', 2);
    const applyError = new TopoError('E_COMMAND', `${cause.message}\nrolled back`, 1, { ...cause.details, rolledBack: true }, { cause });
    const e = asStepError(applyError) as CommandFailed;
    expect(e).toBeInstanceOf(CommandFailed);
    expect(e).toMatchObject({ step: 'addr', argv: ['ip', 'addr', 'add'], stderr: 'RTNETLINK answers: Invalid argument', message: applyError.message });
    expect(errorJson(e)).toEqual(errorJson(applyError)); // the CLI prints the same
    const other = new TopoError('E_VERIFY', 'x');
    expect(asStepError(other)).toBe(other);
  });
});

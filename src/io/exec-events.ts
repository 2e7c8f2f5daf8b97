// Progress as data: the executor (execute.ts) tells a listener of each stage and step as it starts and ends, and of
// the rollback. The CLI draws its progress with listr2 and listens to nothing; the library (src/api) passes these
// events to its caller's onEvent. A listener that throws is ignored: progress must never stop an apply.
import type { CommandFailed, StepFailure } from '../errors.js';
import type { Op, StageName, Step } from '../model.js';
import type { Item } from './run-step-cmds.js';

/** A step as events name it: what it does, to what, where. */
export interface StepRef { op: Op; kind: string; key: string; namespace: string; label: string }

export type ExecEvent =
  | { type: 'stage-start'; stage: StageName; title: string; steps: number }
  | { type: 'stage-done'; stage: StageName; ok: boolean }
  /** Its commands (those of this stage) were launched: alone, or in a batch with other steps' commands. */
  | { type: 'step-start'; stage: StageName; step: StepRef }
  /** Every command of the step in this stage succeeded. */
  | { type: 'step-done'; stage: StageName; step: StepRef }
  /** The kernel refused one of its commands: the error names the step, the argv and the kernel's message. */
  | { type: 'step-failed'; stage: StageName; step: StepRef; error: StepFailure }
  /** Undoing the commands that ran, newest first. */
  | { type: 'rollback'; commands: number }
  | { type: 'rollback-done'; undone: number; errors: CommandFailed[] };

export const stepRef = (s: Step): StepRef => ({ op: s.op, kind: s.kind, key: s.key, namespace: s.ns, label: s.label });

/** The executor's side: turns what it runs into events (nothing at all without a listener). */
export function eventEmitter(listener: ((e: ExecEvent) => void) | undefined) {
  let stage: StageName = 'namespaces';
  /** Commands of each step in the running stage not yet done. */
  const pending = new Map<Step, number>();
  const started = new Set<Step>();
  const emit = (e: ExecEvent) => {
    if (!listener) return;
    try { listener(e); } catch { /* a listener's bug is not the apply's */ }
  };
  return {
    emit,
    stageStart(s: StageName, title: string, items: Item[]) {
      stage = s;
      pending.clear();
      started.clear();
      for (const it of items) pending.set(it.step, (pending.get(it.step) ?? 0) + 1);
      emit({ type: 'stage-start', stage: s, title, steps: pending.size });
    },
    stageEnd(s: StageName, error: unknown) { emit({ type: 'stage-done', stage: s, ok: !error }); },
    /** The items about to run: each step's first launch is its start. */
    launched(items: Item[]) {
      for (const it of items) {
        if (started.has(it.step)) continue;
        started.add(it.step);
        emit({ type: 'step-start', stage, step: stepRef(it.step) });
      }
    },
    done(done: Item[], failed?: { item: Item; error: StepFailure }) {
      for (const it of done) {
        const left = (pending.get(it.step) ?? 1) - 1;
        pending.set(it.step, left);
        if (left === 0) emit({ type: 'step-done', stage, step: stepRef(it.step) });
      }
      if (failed) emit({ type: 'step-failed', stage, step: stepRef(failed.item.step), error: failed.error });
    },
  };
}


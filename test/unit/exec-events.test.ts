// Progress as data (io/exec-events.ts): each step starts once when its first command is launched and is done when
// its last one in the stage is; a failure names its step; a listener that throws never stops the work.
import { describe, expect, it } from 'vitest';
import { CommandFailed } from '../../src/errors.js';
import { eventEmitter, type ExecEvent } from '../../src/io/exec-events.js';
import type { Item } from '../../src/io/run-step-cmds.js';
import type { Step } from '../../src/model.js';

const step = (key: string): Step => ({ op: 'create', kind: 'veth', key, ns: 'a', label: key, rank: 0, stage: 'links', cmds: [] });
const item = (s: Step, n: number): Item => ({ step: s, cmd: { tool: 'ip', ns: s.ns, argv: ['link', String(n)] } as unknown as Item['cmd'] });

describe('executor events', () => {
  it('stage, step start once, step done after its last command, failure with its error', () => {
    const seen: ExecEvent[] = [];
    const ev = eventEmitter((e) => seen.push(e));
    const a = step('a'), b = step('b');
    const items = [item(a, 1), item(a, 2), item(b, 3)];
    ev.stageStart('links', 'interfaces', items);
    ev.launched([items[0]!]);
    ev.done([items[0]!]);
    ev.launched([items[1]!, items[2]!]);
    const error = new CommandFailed('b', ['ip', 'link', '3'], 'RTNETLINK answers: File exists', 2);
    ev.done([items[1]!], { item: items[2]!, error });
    ev.stageEnd('links', error);
    expect(seen.map((e) => `${e.type}${'step' in e ? ` ${e.step.key}` : ''}`)).toEqual([
      'stage-start', 'step-start a', 'step-start b', 'step-done a', 'step-failed b', 'stage-done',
    ]);
    expect(seen[0]).toEqual({ type: 'stage-start', stage: 'links', title: 'interfaces', steps: 2 });
    expect(seen.at(-2)).toMatchObject({ type: 'step-failed', stage: 'links', step: { op: 'create', kind: 'veth', namespace: 'a' }, error });
    expect(seen.at(-1)).toEqual({ type: 'stage-done', stage: 'links', ok: false });
  });

  it('a listener that throws is ignored; no listener, no work', () => {
    const ev = eventEmitter(() => { throw new Error('a bug in the listener'); });
    const s = step('a');
    expect(() => { ev.stageStart('links', 'interfaces', [item(s, 1)]); ev.launched([item(s, 1)]); ev.emit({ type: 'rollback', commands: 1 }); }).not.toThrow();
    expect(() => eventEmitter(undefined).stageStart('links', 'interfaces', [])).not.toThrow();
  });
});

// The process kind (kinds/process.ts) inside the pure pipeline, on what the procfs read finds: which processes are
// the lab's (its marker, in a lab namespace), what is drift (a changed spec, a missing process), the spawn commands
// with their stage, order (after:) and undo, what is recorded, read, and what blocks a namespace's deletion.
import { describe, expect, it } from 'vitest';
import type { LiveSnapshot, ProcInfo, ProcRead } from '../../src/core/live.js';
import { KINDS, planFrom } from '../../src/kinds/index.js';
import { processKind, specHash, type ProcessSpec } from '../../src/kinds/process.js';
import type { Topology } from '../../src/model.js';
import { visibleSteps } from '../../src/render/plan.js';
import { LAB, ctxOf, lo, ns, snapshot } from './live-fixtures.js';

const WEB: ProcessSpec = { cmd: ['python3', '-m', 'http.server', '80'], ready: { tcp: 80, timeout: '5s' } };
const APP: ProcessSpec = { cmd: 'exec sleep 100', after: ['web'] };
const topo = (run: Record<string, ProcessSpec> = { app: APP, web: WEB }): Topology => ({ name: LAB, namespaces: { a: { run }, b: {} } });
const proc = (pid: number, o: Partial<ProcInfo> = {}): ProcInfo => ({ pid, ppid: 1, start: 1000 + pid, ns: 'a', cmdline: `cmd ${pid}`, ...o });

function withProcs(procs: ProcInfo[], main: ProcRead['main'] = {}): LiveSnapshot {
  const host = ns('host', [lo('')]);
  host.reads = { process: { procs, main } satisfies ProcRead };
  return snapshot(host, ns('a', [lo()]), ns('b', [lo()]));
}
const steps = (t: Topology | undefined, s: LiveSnapshot, objects: string[] = []) =>
  visibleSteps(planFrom(t, s, ctxOf({ objects, namespaces: t ? [] : ['a', 'b'] })).plan).filter((x) => x.kind === 'process');
const shown = (st: ReturnType<typeof steps>) => st.map((s) => `${s.op} ${s.label} [${s.stage}] ${s.cmds.map((c) => `${c.tool}:${c.ns}:${c.args.join(' ')}`).join('; ')}`);
const ours = (pid: number, run: string, spec: ProcessSpec, o: Partial<ProcInfo> = {}) => proc(pid, { lab: LAB, run, spec: specHash(spec), ...o });

describe('process kind', () => {
  it('a new lab: started in the run stage, web before app (after:), each with its stop as undo, the spec as input', () => {
    const st = steps(topo(), withProcs([]));
    expect(shown(st)).toEqual([
      `create web [run] spawn:host:start a web ${LAB}`,
      `create app [run] spawn:host:start a app ${LAB}`,
    ]);
    expect(st[0].cmds[0].undo).toEqual([{ ns: 'host', tool: 'spawn', args: ['stop', 'a', 'web', LAB] }]);
    expect(JSON.parse(st[0].cmds[0].input!)).toEqual({ argv: ['python3', '-m', 'http.server', '80'], ready: { tcp: 80 }, timeout: 5, spec: specHash(WEB) });
    expect(JSON.parse(st[1].cmds[0].input!)).toMatchObject({ argv: ['sh', '-c', 'exec sleep 100'], timeout: 10 });
  });

  it('running as declared: nothing; the timeout and after: are not part of the spec; a changed env restarts; a dead one is started', () => {
    const running = [ours(10, 'web', WEB), ours(11, 'app', APP), ours(12, 'app', APP, { ppid: 11 })];
    expect(steps(topo(), withProcs(running))).toEqual([]);
    expect(specHash({ ...WEB, ready: { tcp: 80, timeout: 30 } })).toBe(specHash(WEB));
    expect(steps(topo({ app: { ...APP, after: [] }, web: WEB }), withProcs(running))).toEqual([]);
    expect(shown(steps(topo({ app: APP, web: { ...WEB, env: { A: '1' } } }), withProcs(running)))).toEqual([
      `update web [run] spawn:host:stop a web ${LAB}; spawn:host:start a web ${LAB}`,
    ]);
    expect(shown(steps(topo(), withProcs(running.slice(1))))).toEqual([`create web [run] spawn:host:start a web ${LAB}`]);
  });

  it('started by an apply killed before its ready check passed ("starting" in its pid file): its check is waited for, the same process', () => {
    const running = [ours(10, 'web', WEB), ours(11, 'app', APP)];
    const st = steps(topo(), withProcs(running, { web: { pid: 10, start: 1010, starting: true }, app: { pid: 11, start: 1011 } }));
    expect(shown(st)).toEqual([`update web [run] spawn:host:ready a web ${LAB}`]);
    expect(st[0].fields).toEqual([['ready', 'not checked', 'checked']]);
    expect(JSON.parse(st[0].cmds[0].input!)).toMatchObject({ ready: { tcp: 80 }, timeout: 5 });
    // Killed before the pid was written down (the file says "starting" alone): the process found is that one.
    expect(shown(steps(topo(), withProcs(running, { web: { pid: 0, start: 0, starting: true } })))).toEqual([`update web [run] spawn:host:ready a web ${LAB}`]);
    // The pid file names another process (the pid was reused): not that one's check.
    expect(steps(topo(), withProcs(running, { web: { pid: 10, start: 999, starting: true } }))).toEqual([]);
    // A changed spec restarts it as before.
    expect(shown(steps(topo({ app: APP, web: { ...WEB, env: { A: '1' } } }), withProcs(running, { web: { pid: 10, start: 1010, starting: true } })))).toEqual([
      `update web [run] spawn:host:stop a web ${LAB}; spawn:host:start a web ${LAB}`,
    ]);
  });

  it('removed from the file, or the lab destroyed: stopped in the stop stage, before anything else', () => {
    const running = [ours(10, 'web', WEB), ours(11, 'app', APP)];
    expect(shown(steps(topo({ web: WEB }), withProcs(running)))).toEqual([`delete app [stop] spawn:host:stop a app ${LAB}`]);
    const plan = planFrom(undefined, withProcs(running), ctxOf({ namespaces: ['a', 'b'] })).plan;
    expect(plan.steps[0]).toMatchObject({ kind: 'process', stage: 'stop' });
    expect(plan.steps.filter((s) => s.kind === 'process').map((s) => s.label).sort()).toEqual(['app', 'web']);
  });

  it('only the lab\'s: another lab\'s marker or none is not listed; a decoy in a namespace being deleted is reported (left, not refused)', () => {
    const decoy = proc(20, { cmdline: 'sleep 1000' });
    const other = proc(21, { lab: 'other', run: 'web', spec: specHash(WEB) });
    const live = processKind.live(withProcs([decoy, other, ours(10, 'web', WEB)]), ctxOf());
    expect(live.map((r) => [r.key, r.owned, r.props.pids])).toEqual([['process:a/web', true, [10]]]);
    const r = planFrom(undefined, withProcs([decoy, ours(10, 'web', WEB)]), ctxOf({ namespaces: ['a', 'b'] }));
    expect(r.inside).toEqual([{ ns: 'a', ifname: '20', kind: 'process', what: 'process 20 (sleep 1000)', leave: true }]);
  });

  it('the one topo started is named first (pid and start time recorded), then its descendants', () => {
    const live = processKind.live(withProcs([ours(12, 'web', WEB, { ppid: 11 }), ours(11, 'web', WEB, { ppid: 5 })], { web: { pid: 11, start: 1011 } }), ctxOf());
    expect(live[0].props.pids).toEqual([11, 12]);
  });

  it('read where declared, recorded, or for destroy; recorded in objects', () => {
    const ctx = ctxOf();
    expect(processKind.reads!(topo(), ctx)).toEqual([expect.objectContaining({ name: 'process', ns: 'host', tool: 'procfs', args: [LAB, 'a', 'b'] })]);
    expect(processKind.reads!({ name: LAB, namespaces: { a: {} } }, ctx)).toEqual([]);
    expect(processKind.reads!({ name: LAB, namespaces: { a: {} } }, ctxOf({ objects: ['process:a/web'] }))[0].args).toEqual([LAB, 'a']);
    expect(processKind.reads!(undefined, ctxOf({ namespaces: ['a'] }))[0].args).toEqual([LAB, 'a']);
    expect(KINDS.includes(processKind)).toBe(true);
    expect(processKind.record!.keep({ kind: 'process', key: 'process:a/web', ns: 'a', label: 'web', props: { spec: '' }, claims: [], parents: [] }, ctx.state)).toEqual({ objects: ['process:a/web'] });
  });
});

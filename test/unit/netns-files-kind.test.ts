// The files per namespace (kinds/netns-files.ts) inside the pure pipeline, on what the file tool reads: the content
// topo writes (resolv.conf, hosts with the lab's namespaces by name), which files and directories are the lab's (a
// file by its first line, a directory by the record and holding nothing but the lab's files), what is drift and what
// a conflict, the commands with their undo, where they run, and what is read and recorded.
import { describe, expect, it } from 'vitest';
import type { FileRead, LiveSnapshot } from '../../src/core/live.js';
import { resolveLab } from '../../src/core/lab-model.js';
import { KINDS, finalState, intentState, planFrom } from '../../src/kinds/index.js';
import { ETC_NETNS, fileMark, firstDifference, hostsFile, netnsDirKind, resolvConf } from '../../src/kinds/netns-files.js';
import type { Topology } from '../../src/model.js';
import { visibleSteps } from '../../src/render/plan.js';
import { LAB, ctxOf, lo, ns, snapshot, veth, v4 } from './live-fixtures.js';

const MARK = fileMark(LAB);
const topo = (a: Record<string, unknown> = {}): Topology => ({
  name: LAB, namespaces: { a: { ...a }, 'web-1': {}, x_y: {} },
  veths: [{ ends: [{ name: 'e0', namespace: 'a', addresses: ['10.0.0.1/24'] }, { name: 'e1', namespace: 'web-1', addresses: ['10.0.0.2/24', 'fd00::2/64'] }] }],
});
const HOSTS = `${MARK}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.254\tgw\n10.0.0.1\ta\n10.0.0.2\tweb-1\nfd00::2\tweb-1\n`;
const RESOLV = `${MARK}\nsearch lab.test\nnameserver 10.0.0.2\n`;
const FILES = { dns: { nameservers: ['10.0.0.2'], search: ['lab.test'] }, hosts: { lab: true, names: { gw: '10.0.0.254' } } };

/** A snapshot whose host read the file tool's reads, by path. */
function withFiles(files: Record<string, FileRead | undefined>): LiveSnapshot {
  const host = ns('host', [lo('')]);
  host.reads = Object.fromEntries(Object.entries(files).map(([p, v]) => [`file:${p}`, v]));
  return snapshot(host, ns('a', [lo(), veth('e0', 2, 2, 0, { addr_info: [v4('10.0.0.1/24')] })], { nsids: { 0: 'web-1' } }),
    ns('web-1', [lo(), veth('e1', 2, 2, 0)], { nsids: { 0: 'a' } }), ns('x_y', [lo()]));
}
const file = (content: string): FileRead => ({ type: 'file', content, size: content.length });
const dir = (...entries: string[]): FileRead => ({ type: 'dir', entries });
const READ_NONE = { [ETC_NETNS]: undefined, [`${ETC_NETNS}/a`]: undefined, [`${ETC_NETNS}/a/hosts`]: undefined, [`${ETC_NETNS}/a/resolv.conf`]: undefined };
const APPLIED = { [ETC_NETNS]: dir('a'), [`${ETC_NETNS}/a`]: dir('hosts', 'resolv.conf'), [`${ETC_NETNS}/a/hosts`]: file(HOSTS), [`${ETC_NETNS}/a/resolv.conf`]: file(RESOLV) };
const RECORDED = ['netns-dir:host/netns', 'netns-dir:a/dir', 'netns-file:a/hosts', 'netns-file:a/resolv.conf'];

const fileSteps = (t: Topology | undefined, s: LiveSnapshot, objects: string[] = []) =>
  visibleSteps(planFrom(t, s, ctxOf({ objects, namespaces: t ? [] : ['a'] })).plan).filter((x) => x.kind.startsWith('netns-'));
const shown = (steps: ReturnType<typeof fileSteps>) => steps.map((s) => `${s.op} ${s.label} [${s.stage}] ${s.cmds.map((c) => `${c.tool}:${c.ns}:${c.args.join(' ')}`).join('; ')}`);

describe('files per namespace: content', () => {
  it('resolv.conf and hosts, each under the lab\'s mark; the lab\'s namespaces by name (one that is no host name left out)', () => {
    expect(resolvConf(LAB, FILES.dns)).toBe(RESOLV);
    expect(hostsFile(LAB, FILES.hosts, resolveLab(topo(), KINDS))).toBe(HOSTS);
    expect(hostsFile(LAB, { names: { db: ['10.0.0.3', 'fd00::3'] } }, resolveLab(topo(), KINDS)))
      .toBe(`${MARK}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.3\tdb\nfd00::3\tdb\n`);
  });

  it('drift is shown as the first line that differs', () => {
    expect(firstDifference(HOSTS, HOSTS)).toEqual([]);
    expect(firstDifference(`${HOSTS}1.2.3.4 evil\n`, HOSTS)).toEqual([['line 8', '1.2.3.4 evil', null]]);
    expect(firstDifference(HOSTS.replace('10.0.0.254', '10.0.0.9'), HOSTS)).toEqual([['line 4', '10.0.0.9\tgw', '10.0.0.254\tgw']]);
  });
});

describe('files per namespace: plans', () => {
  it('a new lab: /etc/netns, its directory, then the files (written by topo where it runs, each undone)', () => {
    const steps = fileSteps(topo(FILES), withFiles(READ_NONE));
    expect(shown(steps)).toEqual([
      'create /etc/netns [config] file:host:mkdir /etc/netns',
      'create /etc/netns/a [config] file:host:mkdir /etc/netns/a',
      `create /etc/netns/a/resolv.conf [config] file:host:write /etc/netns/a/resolv.conf ${MARK}`,
      `create /etc/netns/a/hosts [config] file:host:write /etc/netns/a/hosts ${MARK}`,
    ]);
    expect(steps[3].cmds[0].input).toBe(HOSTS);
    expect(steps.map((s) => s.cmds[0].undo)).toEqual([
      [{ ns: 'host', tool: 'file', args: ['rmdir', '/etc/netns'] }], [{ ns: 'host', tool: 'file', args: ['rmdir', '/etc/netns/a'] }],
      [{ ns: 'host', tool: 'file', args: ['remove', '/etc/netns/a/resolv.conf', MARK] }], [{ ns: 'host', tool: 'file', args: ['remove', '/etc/netns/a/hosts', MARK] }],
    ]);
    // What the record keeps: everything made, for as long as it is declared.
    const plan = planFrom(topo(FILES), withFiles(READ_NONE), ctxOf()).plan;
    const intent = intentState(ctxOf().state, plan);
    expect(intent.objects).toEqual([...RECORDED].sort());
    expect(finalState(intent, planFrom(topo(FILES), withFiles(APPLIED), ctxOf({ objects: RECORDED })).desired).objects).toEqual([...RECORDED].sort());
  });

  it('applied: nothing to do; a hand edit below the mark is drift, written again (undo: the edited content)', () => {
    expect(fileSteps(topo(FILES), withFiles(APPLIED), RECORDED)).toEqual([]);
    const edited = `${HOSTS}10.9.9.9\tevil\n`;
    const steps = fileSteps(topo(FILES), withFiles({ ...APPLIED, [`${ETC_NETNS}/a/hosts`]: file(edited) }), RECORDED);
    expect(shown(steps)).toEqual([`update /etc/netns/a/hosts [config] file:host:write /etc/netns/a/hosts ${MARK}`]);
    expect(steps[0].fields).toEqual([['line 8', '10.9.9.9\tevil', null]]);
    expect(steps[0].cmds[0].undo).toEqual([{ ns: 'host', tool: 'file', args: ['write', '/etc/netns/a/hosts', MARK], input: edited }]);
  });

  it('removed from the file: the file goes; with the last one, the directories the lab made (after the files, in cleanup)', () => {
    expect(shown(fileSteps(topo({ hosts: FILES.hosts }), withFiles(APPLIED), RECORDED)))
      .toEqual([`delete /etc/netns/a/resolv.conf [cleanup] file:host:remove /etc/netns/a/resolv.conf ${MARK}`]);
    expect(shown(fileSteps(topo(), withFiles(APPLIED), RECORDED))).toEqual([
      `delete /etc/netns/a/resolv.conf [cleanup] file:host:remove /etc/netns/a/resolv.conf ${MARK}`,
      `delete /etc/netns/a/hosts [cleanup] file:host:remove /etc/netns/a/hosts ${MARK}`,
      'delete /etc/netns/a [cleanup] file:host:rmdir /etc/netns/a',
      'delete /etc/netns [cleanup] file:host:rmdir /etc/netns',
    ]);
  });

  it('destroy (no file): the lab\'s namespaces are read, its files removed, even with a record that lost them', () => {
    const reads = netnsDirKind.reads!(undefined, ctxOf({ namespaces: ['a'] })).map((r) => `${r.tool}:${r.ns}:${r.args[0]}`);
    expect(reads).toEqual(['file:host:/etc/netns', 'file:host:/etc/netns/a', 'file:host:/etc/netns/a/resolv.conf', 'file:host:/etc/netns/a/hosts']);
    expect(fileSteps(undefined, withFiles(APPLIED)).map((s) => `${s.op} ${s.label}`)).toEqual(['delete /etc/netns/a/resolv.conf', 'delete /etc/netns/a/hosts']);
  });

  it('nothing declared or recorded: nothing read', () => {
    expect(netnsDirKind.reads!(topo(), ctxOf())).toEqual([]);
  });

  it('a file without the lab\'s mark (someone\'s, another lab\'s) is a conflict, never touched', () => {
    for (const content of ['nameserver 9.9.9.9\n', `${fileMark('other')}\nnameserver 9.9.9.9\n`]) {
      const s = withFiles({ ...READ_NONE, [ETC_NETNS]: dir('a'), [`${ETC_NETNS}/a`]: dir('resolv.conf'), [`${ETC_NETNS}/a/resolv.conf`]: file(content) });
      const p = planFrom(topo(FILES), s, ctxOf());
      expect(p.conflicts.map((c) => `${c.key} held by ${c.holder}`)).toEqual(['netns-file:a/resolv.conf held by /etc/netns/a/resolv.conf, a file topo did not write (its first line is not the lab\'s mark)']);
      // Not declared: not the lab's, not deleted.
      expect(fileSteps(topo(), s, RECORDED).filter((x) => x.label.endsWith('resolv.conf'))).toEqual([]);
    }
  });

  it('directories someone else made, or holding a file of theirs, stay (and are not recorded)', () => {
    const theirs = { ...APPLIED, [`${ETC_NETNS}/a`]: dir('hosts', 'nsswitch.conf', 'resolv.conf') };
    expect(fileSteps(topo(), withFiles(theirs), RECORDED).map((s) => `${s.op} ${s.label}`))
      .toEqual(['delete /etc/netns/a/resolv.conf', 'delete /etc/netns/a/hosts']);
    const found = planFrom(topo(FILES), withFiles({ ...READ_NONE, [ETC_NETNS]: dir('a', 'other-lab'), [`${ETC_NETNS}/a`]: dir() }), ctxOf());
    expect(visibleSteps(found.plan).filter((x) => x.kind === 'netns-dir')).toEqual([]);
    expect(finalState(intentState(ctxOf().state, found.plan), found.desired).objects).toEqual(['netns-file:a/hosts', 'netns-file:a/resolv.conf']);
    // Something that is no directory where one goes: a conflict.
    const blocked = planFrom(topo(FILES), withFiles({ ...READ_NONE, [ETC_NETNS]: file('x') }), ctxOf());
    expect(blocked.conflicts.map((c) => c.holder)).toEqual(['/etc/netns, which is not a directory']);
  });
});

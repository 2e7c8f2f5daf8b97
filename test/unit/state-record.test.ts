// The state record read back from disk is input (src/core/state.ts checkState): every field is checked for shape,
// type and names before anything uses it, and a record that fails is refused whole, each problem named.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkState, emptyState, mergeState, stateText, STATE_VERSION } from '../../src/core/state.js';

const GOLDEN = fileURLToPath(new URL('../golden/', import.meta.url));

const today = { lab: 'lab1', namespaces: ['ns1', 'n-2.x'], links: ['ns1/veth1', 'host/br0'], hostRoutes: ['route:host/10.0.0.1/32/0', 'route:host/fd00::/64/1024'],
  sysctls: { 'host|net.ipv4.ip_forward': '0', 'ns1|net.ipv6.conf.all.disable_ipv6': '1' }, nat: ['host', 'ns1'],
  namespaceIds: { ns1: '4026532291:1764451200123456789' }, objects: ['kind:host/10.0.0.0/8/4/100', 'other-kind:ns1/fd00::/64#2'] };

describe('checkState', () => {
  it("accepts records without a version (the first ones) and what this topo writes", () => {
    expect(checkState(today, 'lab1')).toEqual({ ok: true, state: { ...today, unlisted: true } });
    const written = JSON.parse(stateText(today));
    expect(written.version).toBe(STATE_VERSION);
    expect(checkState(written, 'lab1')).toEqual({ ok: true, state: today });
    // A missing field claims nothing.
    expect(checkState({ version: 4, lab: 'lab1' }, 'lab1')).toEqual({ ok: true, state: emptyState('lab1') });
    // A version 1 record (before `objects`) reads as one with none.
    expect(checkState({ version: 1, lab: 'lab1', namespaces: ['ns1'] }, 'lab1')).toEqual({ ok: true, state: { ...emptyState('lab1'), namespaces: ['ns1'], unlisted: true } });
    expect(STATE_VERSION).toBe(4);
  });

  it('version 4: a record before it doesn\'t list the lab\'s IPv4 rules and static neighbours (unlisted), kept by merges until written anew', () => {
    expect(checkState({ ...today, version: 3 }, 'lab1')).toEqual({ ok: true, state: { ...today, unlisted: true } });
    expect(checkState({ ...today, version: 4 }, 'lab1')).toEqual({ ok: true, state: today });
    const old = { ...today, unlisted: true as const };
    expect(checkState(JSON.parse(stateText(old)), 'lab1')).toEqual({ ok: true, state: old }); // an intent record of an apply of it
    expect(checkState({ ...today, version: 4, unlisted: false }, 'lab1')).toEqual({ ok: false, problems: ['unlisted: expected true, got false'] });
    expect(mergeState(old, { objects: ['rule:ns1/4/5'] }).unlisted).toBe(true);
    expect(mergeState(emptyState('lab1'), old).unlisted).toBe(true);
    expect('unlisted' in mergeState(emptyState('lab1'), { objects: ['rule:ns1/4/5'] })).toBe(false);
  });

  it('version 3: the file the lab was applied from, an absolute path, kept by merges', () => {
    const withFile = { ...today, file: '/home/me/labs/lab1.yaml' };
    expect(checkState({ version: 3, ...withFile }, 'lab1')).toEqual({ ok: true, state: { ...withFile, unlisted: true } });
    expect(checkState({ version: 4, ...withFile }, 'lab1')).toEqual({ ok: true, state: withFile });
    expect(checkState({ ...today, file: 'lab1.yaml' }, 'lab1')).toEqual({ ok: false, problems: ['file: expected an absolute file path, got "lab1.yaml"'] });
    expect(checkState({ ...today, file: '/a\nb' }, 'lab1').ok).toBe(false);
    expect(mergeState(withFile, { namespaces: ['ns9'] }).file).toBe('/home/me/labs/lab1.yaml');
    expect(mergeState(withFile, { file: '/moved/lab1.yaml' }).file).toBe('/moved/lab1.yaml');
    expect('file' in mergeState(emptyState('lab1'), { namespaces: ['ns1'] })).toBe(false);
  });

  it('accepts every record of the golden cases (written by topo against a real kernel)', () => {
    const records = readdirSync(GOLDEN).map((c) => `${GOLDEN}${c}/state.json`).filter((f) => existsSync(f));
    expect(records.length).toBeGreaterThan(3);
    for (const f of records) {
      const data = JSON.parse(readFileSync(f, 'utf8'));
      expect(checkState(data, data.lab), f).toMatchObject({ ok: true });
    }
  });

  it.each([
    ['a string where a list belongs (iterated, it would name namespaces "a" and "b")', { namespaces: 'ab' }, 'namespaces: expected a list of namespace names, got "ab"'],
    ['a namespace name with a slash', { namespaces: ['../../etc'] }, 'namespaces[0]: expected a namespace name, got "../../etc"'],
    ['a namespace name starting with a dash', { nat: ['-n'] }, 'nat[0]: expected a namespace name, got "-n"'],
    ['a number where a name belongs', { namespaces: [1] }, 'namespaces[0]: expected a namespace name, got 1'],
    ['an interface without its namespace', { links: ['veth1'] }, 'links[0]: expected "namespace/interface", got "veth1"'],
    ['an interface name of 16 bytes', { links: ['ns1/abcdefghijklmnop'] }, 'links[0]: expected "namespace/interface", got "ns1/abcdefghijklmnop"'],
    ['a host route that is not a route key', { hostRoutes: ['10.0.0.0/8; reboot'] }, 'hostRoutes[0]: expected a host route'],
    ['an object key without its kind', { objects: ['host/10.0.0.0/8'] }, 'objects[0]: expected an object key ("kind:namespace/...")'],
    ['an object key in a namespace that can\'t be one', { objects: ['kind:../x/1'] }, 'objects[0]: expected an object key'],
    ['an object key with a space (it would read as two words)', { objects: ['kind:host/1 2'] }, 'objects[0]: expected an object key'],
    ['objects as a string', { objects: 'kind:host/1' }, 'objects: expected a list of object keys'],
    ['a sysctl outside net.* (a root shell)', { sysctls: { 'host|kernel.core_pattern': '|/tmp/x' } }, 'sysctls key "host|kernel.core_pattern": expected "namespace|net.* sysctl"'],
    ['a sysctl key with a path in it', { sysctls: { 'host|net/../../kernel/core_pattern': '1' } }, 'expected "namespace|net.* sysctl"'],
    ['a sysctl value that is not text', { sysctls: { 'host|net.ipv4.ip_forward': 1 } }, 'sysctls["host|net.ipv4.ip_forward"]: expected a sysctl value'],
    ['a sysctl value with a newline', { sysctls: { 'host|net.ipv4.ip_forward': '1\nkernel.x=1' } }, 'expected a sysctl value'],
    ['sysctls as a list', { sysctls: ['host|net.ipv4.ip_forward'] }, 'sysctls: expected an object'],
    ['a namespace identity that is not "inode:ctime"', { namespaceIds: { ns1: 'x' } }, 'namespaceIds["ns1"]: expected a namespace identity'],
    ['a namespace identity for a bad name', { namespaceIds: { '../x': '1:2' } }, 'namespaceIds key "../x": expected a namespace name'],
    ['an unknown field', { namespaecs: [] }, '"namespaecs": not a field of a state record'],
    ['another lab\'s record', { lab: 'lab2' }, 'lab: the record is lab "lab2"\'s, not "lab1"\'s'],
    ['a version from a later topo', { version: STATE_VERSION + 1 }, `written by a newer topo`],
    ['a version that is not a number', { version: '1' }, 'version: expected a whole number from 1, got "1"'],
  ])('refuses %s', (_, change, problem) => {
    const r = checkState({ ...today, ...change }, 'lab1');
    expect(r.ok).toBe(false);
    expect((r as { problems: string[] }).problems.join('\n')).toContain(problem);
  });

  it.each([null, [], 'lab1', 42])('refuses %j as a whole', (data) => {
    expect(checkState(data, 'lab1')).toMatchObject({ ok: false, problems: [expect.stringMatching(/^expected a JSON object/)] });
  });

  it('names every problem, each at its place', () => {
    const r = checkState({ lab: 'lab1', namespaces: ['ok', 'not ok'], links: 'x', nat: [null] }, 'lab1');
    expect(r).toEqual({ ok: false, problems: [
      'namespaces[1]: expected a namespace name, got "not ok"',
      'links: expected a list of "namespace/interface", got "x"',
      'nat[0]: expected a namespace name, got null',
    ] });
  });
});

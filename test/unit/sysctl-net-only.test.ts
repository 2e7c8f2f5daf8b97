// topo writes net.* sysctls only (src/kinds/sysctl.ts), whatever the file or the state record says: the others are
// global to the machine (kernel.core_pattern is a root shell). The record's check refuses such keys first
// (state-record.test.ts); this is the kind's own rule, for any other way one might reach it.
import { expect, it } from 'vitest';
import { sysctlKind } from '../../src/kinds/sysctl.js';
import { emptyState } from '../../src/core/state.js';
import type { LiveSnapshot } from '../../src/core/live.js';
import type { KindContext } from '../../src/core/kind.js';

const ctx = { lab: { name: 'lab1' }, state: { ...emptyState('lab1'), sysctls: { 'host|kernel.core_pattern': '|/tmp/x' } } } as unknown as KindContext;
const snap = { ns: { host: { name: 'host', sysctls: { 'kernel.core_pattern': 'core', 'net.ipv4.ip_forward': '1' } } } } as unknown as LiveSnapshot;

it('a sysctl outside net.* read from the kernel is no resource of the lab: nothing to restore', () => {
  expect(sysctlKind.live(snap, ctx).map((r) => r.label)).toEqual(['net.ipv4.ip_forward']);
});

it('no command writes one', () => {
  const r = { kind: 'sysctl', key: 'sysctl:host/kernel.core_pattern', ns: 'host', label: 'kernel.core_pattern', props: { value: 'core' }, claims: [], parents: [] };
  expect(() => sysctlKind.remove!(r as never, ctx)).toThrow(/refusing to write sysctl "kernel.core_pattern": topo writes net.\* sysctls only/);
  expect(() => sysctlKind.create!(r as never, ctx)).toThrow(/net.\* sysctls only/);
});

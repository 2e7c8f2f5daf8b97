// The netlink engine's translation of the plan's `ip` commands (src/io/netlink/ip-argv.ts, requests.ts): every `ip`
// command the kinds emit for the examples (and their undo commands) is read, but the namespaces' own commands; each
// shape is read into what it asks; an argument the file doesn't know makes the whole command go through `ip`; and the
// requests carry what iproute2 puts in them (flags, scope, table, attributes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFrom } from '../../src/kinds/index.js';
import { argvOf } from '../../src/core/commands.js';
import type { Cmd } from '../../src/model.js';
import { validateText } from '../../src/validate/index.js';
import { readIpArgs } from '../../src/io/netlink/ip-argv.js';
import { requestOf, type Lookups } from '../../src/io/netlink/requests.js';
import { netlinkOp } from '../../src/io/netlink/writer.js';
import { attrList, parseAttrs } from '../../src/io/netlink/codec.js';
import { ctxOf, emptyHost } from './live-fixtures.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');

/** Every `ip` and `ip -6` command (and undo) a cold apply of the example would run. */
function ipCommands(file: string): Cmd[] {
  const v = validateText(readFileSync(join(EXAMPLES, file)), file);
  expect(v.problems, file).toEqual([]);
  const t = v.topo!;
  const cmds = planFrom(t, { netns: [], ns: { host: emptyHost() } }, ctxOf({}, t.name)).plan.steps.flatMap((s) => s.cmds);
  return [...cmds, ...cmds.flatMap((c) => c.undo ?? [])].filter((c) => c.tool === 'ip' || c.tool === 'ip6');
}

describe('netlink translation of ip commands', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && !/^\s*machines:/m.test(readFileSync(join(EXAMPLES, f), 'utf8')));

  it('reads every ip (and ip -6) command the kinds emit for the examples but `netns add|del` (which stay one host batch)', () => {
    expect(files.length).toBeGreaterThan(15);
    const unread: string[] = [];
    let read = 0;
    for (const f of files) {
      for (const c of ipCommands(f)) {
        if (c.args[0] === 'netns') continue;
        if (netlinkOp(c)) read++;
        else unread.push(`${f}: ${argvOf(c).join(' ')}`);
      }
    }
    expect(unread).toEqual([]);
    expect(read).toBeGreaterThan(100);
  });

  it('reads each shape into what it asks', () => {
    expect(readIpArgs(['link', 'add', 'name', 'a', 'mtu', '1400', 'address', '02:00:00:00:00:01', 'group', '7', 'up', 'master', 'br0',
      'type', 'veth', 'peer', 'name', 'b', 'mtu', '1400', 'group', '7', 'netns', 'x'])).toEqual({
      op: 'link-add', name: 'a', settings: { mtu: 1400, address: '02:00:00:00:00:01', group: 7, up: true, master: 'br0' },
      type: { kind: 'veth', peer: { name: 'b', mtu: 1400, group: 7, netns: 'x' } },
    });
    expect(readIpArgs(['link', 'add', 'link', 'u', 'name', 'mv', 'netns', '4242', 'group', '7', 'type', 'macvlan', 'mode', 'bridge'])).toEqual({
      op: 'link-add', name: 'mv', parent: 'u', settings: { netns: 4242, group: 7 }, type: { kind: 'macvlan', mode: 'bridge' },
    });
    expect(readIpArgs(['link', 'set', 'dev', 'br0', 'type', 'bridge', 'stp_state', '0'])).toEqual({
      op: 'link-set', dev: 'br0', settings: {}, type: { kind: 'bridge', options: [{ name: 'stp_state', value: 0 }] },
    });
    expect(readIpArgs(['link', 'set', 'dev', 'e', 'alias', 'x y', 'addrgenmode', 'none', 'down', 'nomaster', 'promisc', 'off'])).toEqual({
      op: 'link-set', dev: 'e', settings: { alias: 'x y', addrgenmode: 'none', up: false, master: null, promisc: false },
    });
    expect(readIpArgs(['link', 'del', 'group', '12'])).toEqual({ op: 'link-del-group', group: 12 });
    const route = readIpArgs(['route', 'replace', '10.1.0.0/24', 'via', '10.0.0.1', 'dev', 'e', 'metric', '5', 'table', '300', 'proto', '241']);
    expect(route).toMatchObject({ op: 'route', verb: 'replace', prefix: 24, dev: 'e', metric: 5, table: 300, proto: 241 });
    expect(readIpArgs(['neigh', 'del', 'fd00::1', 'dev', 'e'])).toMatchObject({ op: 'neigh', verb: 'del', dev: 'e' });
    expect(readIpArgs(['rule', 'add', 'priority', '10', 'iif', 'e', 'fwmark', '0x10/0xff', 'table', '100', 'protocol', '241'])).toEqual({
      op: 'rule', verb: 'add', family: 4, priority: 10, iif: 'e', fwmark: 16, fwmask: 255, table: 100, proto: 241,
    });
    expect(readIpArgs(['rule', 'del', 'priority', '11', 'from', 'fd00::/64', 'prohibit'], 6)).toMatchObject({ op: 'rule', family: 6, from: [expect.anything(), 64], action: 'prohibit' });
    expect(netlinkOp({ ns: 'x', tool: 'ip6', args: ['rule', 'add', 'priority', '5', 'goto', '7', 'protocol', '241'] })).toMatchObject({ op: 'rule', family: 6, goto: 7 });
  });

  it('leaves to ip any argument it does not read (the command then runs through ip, whole)', () => {
    for (const args of [
      ['link', 'add', 'name', 'v', 'type', 'vlan', 'id', '5'], ['link', 'set', 'dev', 'e', 'txqueuelen', '5'],
      ['route', 'add', 'default', 'via', '10.0.0.1'], ['route', 'add', '10.0.0.0/8', 'via', 'fe80::1'], ['route', 'add', '10.0.0.0/8', 'table', 'custom'],
      ['addr', 'add', '10.0.0.1/24', 'dev', 'e', 'broadcast', '+'], ['link', 'add', 'vx', 'type', 'vxlan', 'id', '5'], ['rule', 'flush'],
      ['link', 'set', 'dev', 'e', 'addrgenmode', 'bogus'], ['addr', 'add', '10.0.0.1/33', 'dev', 'e'], ['link', 'set', 'dev', 'e', 'mtu', '-1'],
      ['rule', 'add', 'from', 'fd00::1'], ['rule', 'add', 'fwmark', '010'], ['rule', 'add', 'table', 'custom'], ['rule', 'add', 'l3mdev'],
    ]) expect(readIpArgs(args), args.join(' ')).toBeUndefined();
  });

  const look: Lookups = { ifindex: (n) => ({ e: 5, br0: 9, u: 3 } as Record<string, number>)[n] ?? 0, netnsFd: () => 42 };

  it('builds the requests iproute2 sends: flags, scope, table, attributes', () => {
    const add = requestOf(readIpArgs(['route', 'add', '10.1.0.0/24', 'dev', 'e', 'table', '300', 'proto', '241'])!, look);
    expect(add.type).toBe(24);
    expect(add.flags).toBe(0x400 | 0x200 | 0x4); // create, exclusive, ack
    expect([...add.fixed]).toEqual([2, 24, 0, 0, 0, 241, 253, 1, 0, 0, 0, 0]); // no table number fits a byte: RTA_TABLE; scope link
    const a = parseAttrs(Buffer.concat(add.attrs));
    expect(a.get(15)!.readUInt32LE(0)).toBe(300);
    expect(a.get(4)!.readUInt32LE(0)).toBe(5);

    const del = requestOf(readIpArgs(['route', 'del', '10.1.0.0/24', 'via', '10.0.0.1', 'proto', '241'])!, look);
    expect([del.type, del.flags, del.fixed[4], del.fixed[6], del.fixed[7]]).toEqual([25, 0x4, 254, 255, 0]); // main, scope nowhere, any type

    const addr = requestOf(readIpArgs(['addr', 'add', 'fd00::1/64', 'dev', 'e', 'nodad'])!, look);
    expect([...addr.fixed]).toEqual([10, 64, 0x2, 0, 5, 0, 0, 0]);
    const lo = requestOf(readIpArgs(['addr', 'add', '127.0.0.2/8', 'dev', 'e'])!, look);
    expect(lo.fixed[3]).toBe(254); // host scope, as iproute2 gives 127/8

    const veth = requestOf(readIpArgs(['link', 'add', 'name', 'a', 'up', 'type', 'veth', 'peer', 'name', 'b', 'netns', 'x'])!, look);
    expect(veth.fixed.readUInt32LE(8)).toBe(1); // IFF_UP asked in the creating message
    const info = parseAttrs(parseAttrs(Buffer.concat(veth.attrs)).get(18)!);
    expect(info.get(1)!.toString()).toBe('veth');
    const peer = parseAttrs(info.get(2)!).get(1)!;
    const peerAttrs = parseAttrs(peer, 16); // after the peer's own ifinfomsg
    expect(peerAttrs.get(3)!.toString()).toBe('b\0');
    expect(peerAttrs.get(28)!.readUInt32LE(0)).toBe(42); // IFLA_NET_NS_FD

    const agm = requestOf(readIpArgs(['link', 'set', 'dev', 'e', 'addrgenmode', 'random'])!, look);
    const inet6 = parseAttrs(parseAttrs(Buffer.concat(agm.attrs)).get(26)!).get(10)!;
    expect(attrList(inet6)).toEqual([[8, Buffer.from([3])]]);

    const vx = requestOf(readIpArgs(['link', 'add', 'vx', 'group', '7', 'type', 'vxlan', 'id', '42', 'remote', '10.0.0.2', 'dstport', '4789', 'dev', 'u'])!, look);
    const data = parseAttrs(parseAttrs(parseAttrs(Buffer.concat(vx.attrs)).get(18)!).get(2)!);
    expect(data.get(1)!.readUInt32LE(0)).toBe(42);
    expect([...data.get(2)!]).toEqual([10, 0, 0, 2]);
    expect(data.get(3)!.readUInt32LE(0)).toBe(3);
    expect(data.get(7)![0]).toBe(1); // learning on: iproute2 sends it on every creation
    expect(data.get(15)!.readUInt16BE(0)).toBe(4789);

    const rule = requestOf(readIpArgs(['rule', 'add', 'priority', '7', 'from', '10.0.1.2', 'table', '300'])!, look);
    expect([rule.type, rule.flags]).toEqual([32, 0x400 | 0x200 | 0x4]);
    expect([...rule.fixed]).toEqual([2, 0, 32, 0, 0, 0, 0, 1, 0, 0, 0, 0]); // to table (FRA_TABLE: 300 needs more than a byte)
    const ra = parseAttrs(Buffer.concat(rule.attrs));
    expect([ra.get(6)!.readUInt32LE(0), ra.get(15)!.readUInt32LE(0), [...ra.get(2)!]]).toEqual([7, 300, [10, 0, 1, 2]]);
    const black = requestOf(readIpArgs(['rule', 'add', 'priority', '8', 'blackhole'])!, look);
    expect([black.fixed[4], black.fixed[7]]).toEqual([0, 6]); // no table: iproute2 names main only for a lookup
  });
});

// Which `tc` commands the netlink engine carries out in-process (src/io/netlink/tc-qdisc.ts readTcArgs): the tbf
// qdisc commands topo's shaping makes, read into what tc would send; everything else (netem, the escape hatch's own
// qdisc text, units or options topo doesn't write) is left to `tc`. That the requests make what tc makes is proven on
// a real kernel (test/integration/netlink-tc-write.test.ts).
import { describe, expect, it } from 'vitest';
import { readTcArgs } from '../../src/io/netlink/tc-qdisc.js';

const words = (s: string) => s.split(' ');

describe('tc commands read for the netlink engine', () => {
  it('topo\'s tbf shapes: add, replace, change at the root or under 7a0:1, and both deletions', () => {
    expect(readTcArgs(words('qdisc add dev e1 root handle 7a0: tbf rate 10mbit burst 1600 latency 50ms'))).toEqual({
      verb: 'add', dev: 'e1', parent: 0xffffffff, handle: 0x07a00000, tbf: { rate: 1_250_000, burst: 1600, latency: 50_000 },
    });
    expect(readTcArgs(words('qdisc change dev e1 parent 7a0:1 handle 7a1: tbf rate 1234567bit burst 3001 limit 64100'))).toEqual({
      verb: 'change', dev: 'e1', parent: 0x07a00001, handle: 0x07a10000, tbf: { rate: 154_320, burst: 3001, limit: 64100 },
    });
    expect(readTcArgs(words('qdisc replace dev e1 root handle 7a0: tbf rate 40gbit burst 600000 latency 2s'))?.tbf).toEqual({ rate: 5e9, burst: 600000, latency: 2e6 });
    expect(readTcArgs(words('qdisc del dev e1 root'))).toEqual({ verb: 'del', dev: 'e1', parent: 0xffffffff, handle: 0 });
    expect(readTcArgs(words('qdisc del dev e1 parent 7a0:1 handle 7a1:'))).toEqual({ verb: 'del', dev: 'e1', parent: 0x07a00001, handle: 0x07a10000 });
  });
  it('the rest is tc\'s', () => {
    for (const cmd of [
      'qdisc add dev e1 root handle 7a0: netem delay 20ms', // netem
      'qdisc replace dev e1 root handle 7a0: htb default 10', // the escape hatch
      'qdisc add dev e1 root handle 7a0: tbf rate 10Mbps burst 1600 latency 50ms', // a unit topo doesn't write
      'qdisc add dev e1 root handle 7a0: tbf rate 10mbit burst 1.5kb latency 50ms',
      'qdisc add dev e1 root handle 7a0: tbf rate 10mbit burst 1600 latency 50ms limit 3000', // both queues
      'qdisc add dev e1 root handle 7a0: tbf rate 10mbit burst 1600', // no queue
      'qdisc add dev e1 root handle 7a0: tbf rate 10mbit burst 1600 latency 50ms mtu 2000', // another option
      'qdisc add dev e1 root handle 7a0:1 tbf rate 10mbit burst 1600 latency 50ms', // a handle with a minor
      'qdisc add root handle 7a0: tbf rate 10mbit burst 1600 latency 50ms', // no device
      'qdisc del dev e1 root tbf', 'qdisc show dev e1', 'class add dev e1 parent 7a0: classid 7a0:1 htb rate 1gbit',
      'qdisc add dev e1 root handle 7a0: tbf rate 7bit burst 1600 latency 50ms', // 0 bytes a second
    ]) expect(readTcArgs(words(cmd)), cmd).toBeUndefined();
  });
});

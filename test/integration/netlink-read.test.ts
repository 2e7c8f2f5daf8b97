// The netlink engine reads what `ip -json -d` reads: in a sandbox, a kernel state with every link kind available here
// (veth pairs across namespaces and inside one, a bridge with ports and STP, VXLAN over IPv4 and IPv6, macvlan, tun,
// ifb), IPv4 and IPv6 addresses (a peer address, a deprecated and a tentative one), routes of the main and
// other tables (named and numbered), via/dev/metric/protocol (all 256)/scope/pref, blackhole and unreachable ones,
// static neighbours, policy rules of both families, nsids (named, and one whose namespace lost its name but lives on) and names from /etc/iproute2 — then, in each namespace, the
// netlink read and the `ip -json -d -batch` read of the same lines are parsed by topo's own parsing and compared.
// The qdiscs (tbf with odd rates and bursts, a 64-bit rate, a child under an htb class, ingress, the defaults) are compared
// with `tc -j -raw qdisc show` on the fields the netlink decoder gives (those kinds/shape.ts reads).
// linkinfo.info_data is compared on the keys the netlink decoder gives (those the kinds read, INFO_DATA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
beforeAll(async () => { sb = await Sandbox.create(); });
afterAll(async () => { await sb.close(); });

const NS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10'];

const SETUP = `
set -e
echo '100 labtable' > /etc/iproute2/rt_tables.d/lab.conf
echo '7 labgroup' >> /etc/iproute2/group
ip link add br0 type bridge stp_state 1 forward_delay 400 ageing_time 1000 mcast_snooping 0
ip link set br0 up
ip addr add 10.0.0.1/24 dev br0
ip addr add fd00::1/64 dev br0
i=0
for n in ${NS.join(' ')}; do
  i=$((i+1))
  ip netns add $n
  ip link add v$i type veth peer name e$i netns $n
  ip link set v$i master br0 up
  ip -n $n link set e$i up; ip -n $n link set lo up
  ip -n $n addr add 10.0.0.$((10+i))/24 dev e$i
  ip -n $n addr add fd00::$((10+i))/64 dev e$i nodad
  ip -n $n route add default via 10.0.0.1 metric 5 proto 241
  ip -n $n route add 10.9.0.0/16 dev e$i table 100 proto static scope link
  ip -n $n route add blackhole 10.8.0.0/16
  ip -n $n route add unreachable 10.7.0.0/16 table 200
  ip -n $n -6 route add fd01::/64 via fd00::1 dev e$i metric 7 pref high
  ip -n $n neigh add 10.0.0.99 lladdr 02:00:00:00:00:0$((i % 10)) dev e$i nud permanent protocol 241
  ip -n $n neigh add fd00::99 lladdr 02:00:00:00:01:0$((i % 10)) dev e$i nud permanent
  ip -n $n rule add priority 100 from 10.0.0.0/24 table 100 protocol 241
  ip -n $n rule add priority 101 fwmark 0x10/0xff blackhole
  ip -n $n rule add priority 102 iif e$i goto 32766
  ip -n $n rule add priority 103 to 10.5.0.0/16 oif e$i table 200
  ip -6 -n $n rule add priority 200 from fd00::/64 table 100 protocol 241
  ip -6 -n $n rule add priority 201 to fd01::/64 iif e$i prohibit
  ip -6 -n $n rule add priority 202 fwmark 0x20 goto 32766 protocol static
  ip -n $n link set e$i alias "lab:x" group 7
done
ip -n n1 link add mv0 link e1 type macvlan mode bridge
ip -n n1 link add mv1 link e1 type macvlan mode private
ip -n n1 link add vx0 type vxlan id 42 remote 10.0.0.12 local 10.0.0.11 dev e1 dstport 4789
ip -n n1 link add vx6 type vxlan id 43 group ff05::1 dev e1 dstport 4790 nolearning
ip -n n1 link add vx7 type vxlan id 44 local fd00::11 remote fd00::12 dstport 4791
ip -n n1 tuntap add dev tun0 mode tun
ip -n n1 tuntap add dev tap0 mode tap
ip -n n1 link add ifb0 type ifb
ip -n n1 link add vp type veth peer name vq
ip -n n1 link set vq up mtu 1400
ip -n n1 link add br1 type bridge
ip -n n1 link set vp master br1
ip -n n1 link set br1 up promisc on
ip -n n2 link add ifb1 type ifb
ip -n n2 link set ifb1 up
for p in $(seq 0 255); do ip -n n2 route add 10.50.$p.0/24 dev e2 proto $p; done
ip -n n3 route add 10.60.0.0/24 dev e3 table 253
ip -n n3 route add 10.61.0.0/24 dev e3 table 1000
ip -n n3 route add 10.62.0.1 dev e3
ip -n n3 route add 10.63.0.0/24 dev e3 metric 0 scope host
ip -n n3 route add prohibit 10.64.0.0/24
ip -n n3 route add throw 10.65.0.0/24 table 100
ip -n n3 -6 route add fd02::/64 dev e3 pref low
ip -n n3 -6 route add blackhole fd03::/64
ip -n n3 addr add 10.1.0.1 peer 10.1.0.2/32 dev e3
ip -n n3 addr add fd04::1/64 dev e3 preferred_lft 0
ip -n n3 link add d3 type veth peer name d3b
ip -n n3 addr add fd05::1/64 dev d3
ip -n n3 link set d3 addrgenmode none
ip -n n3 link set d3b addrgenmode random
ip -n n4 link set e4 down
ip -n n5 link add x5 type veth peer name y5 netns n6
ip -n n5 link set x5 up
ip -n n6 link set y5 up
ip netns add lonely
ip -n n7 link add x7 type veth peer name y7 netns lonely
touch /run/keep-lonely && mount --bind /run/netns/lonely /run/keep-lonely
ip netns del lonely
tc -n n1 qdisc add dev e1 root handle 7a0: tbf rate 1mbit burst 32kb latency 50ms
tc -n n2 qdisc add dev e2 root handle 7a0: tbf rate 7777kbit burst 12345 limit 30001
tc -n n3 qdisc add dev e3 root handle 7a0: tbf rate 40gbit burst 1mb latency 10ms
tc -n n4 qdisc add dev e4 root handle 7a0: htb
tc -n n4 class add dev e4 parent 7a0: classid 7a0:1 htb rate 10mbit
tc -n n4 qdisc add dev e4 parent 7a0:1 handle 8: tbf rate 333kbit burst 4321 latency 3ms
tc -n n5 qdisc add dev e5 ingress
tc -n n6 qdisc add dev y5 root handle 1: tbf rate 100kbit burst 1600 limit 3000
`;

/** Run inside the sandbox: both reads of each namespace, shaped by topo's parsing, as JSON. */
const READ_BOTH = `
const { NetlinkSession } = await import('${ROOT}dist/src/io/netlink/reader.js');
const { loadLibc } = await import('${ROOT}dist/src/io/netlink/ffi.js');
const { nsReads, readOf, shapeRead, showLines } = await import('${ROOT}dist/src/io/ip-reads.js');
const { execFileSync } = await import('node:child_process');
const kinds = [{ name: 'neighbour', line: 'neigh show nud permanent' }, { name: 'rule:4', line: 'rule show' }, { name: 'link-detail', line: 'link show' }];
const session = new NetlinkSession(loadLibc());
const out = {};
for (const ns of process.argv.slice(1)) {
  const reads = [...nsReads(ns, kinds), ...(ns === 'host' ? [] : [{ name: 'nsids', line: 'netns list' }])];
  const argv = ['ip', ...(ns === 'host' ? [] : ['-n', ns]), '-json', '-d', '-batch', '-'];
  const printed = execFileSync(argv[0], argv.slice(1), { input: showLines(reads).join('\\n') + '\\n' }).toString();
  out[ns] = { netlink: shapeRead(reads, session.read(ns, reads)), ip: readOf(reads, printed, argv) };
  // The IPv6 rules, read as kinds/rule.ts's tool read (ip -6 -N: numbers for tables and protocols).
  const r6 = { tool: 'ip6', args: ['-N', '-d', '-json', 'rule', 'show'] };
  const ip6 = JSON.parse(execFileSync('ip', ['-6', ...(ns === 'host' ? [] : ['-n', ns]), ...r6.args]).toString());
  out[ns].netlink.rules6 = session.toolRead(ns, r6).value;
  out[ns].ip.rules6 = ip6;
  // The qdiscs, read as kinds/shape.ts's tool read (tc -j -raw qdisc show).
  const tcArgs = ['-j', '-raw', 'qdisc', 'show'];
  out[ns].netlink.qdiscs = session.toolRead(ns, { tool: 'tc', args: tcArgs }).value;
  out[ns].ip.qdiscs = JSON.parse(execFileSync('tc', [...(ns === 'host' ? [] : ['-n', ns]), ...tcArgs]).toString());
}
session.close();
console.log(JSON.stringify(out));
`;

type Detail = { ifname: string; inet6_addr_gen_mode?: string } & Record<string, unknown>;
type Read = { links: { ifname: string; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } & Record<string, unknown> }[] } & Record<string, unknown>;

type Qdisc = { kind: string; handle: string; dev: string; root?: boolean; parent?: string; options?: Record<string, unknown> };
/** A qdisc of tc's output cut to what the netlink decoder gives: tbf's rate, burst and limit of the options. */
const qdiscFields = ({ kind, handle, dev, root, parent, options }: Qdisc): Qdisc => ({
  kind, handle, dev, ...(root !== undefined ? { root } : {}), ...(parent !== undefined ? { parent } : {}),
  ...(kind === 'tbf' ? { options: { rate: options?.rate, burst: options?.burst, limit: options?.limit } } : {}),
});

/** ip's read with linkinfo cut to what the netlink decoder gives: info_kind, and info_data's keys of INFO_DATA. */
function projected(r: Read, infoData: Record<string, string[]>): Read {
  return { ...r, links: r.links.map((l) => {
    if (!l.linkinfo) return l;
    const kind = l.linkinfo.info_kind, keys = kind ? infoData[kind] : undefined;
    const li: Record<string, unknown> = kind !== undefined ? { info_kind: kind } : {};
    if (keys && l.linkinfo.info_data) li.info_data = Object.fromEntries(keys.filter((k) => k in l.linkinfo!.info_data!).map((k) => [k, l.linkinfo!.info_data![k]]));
    return { ...l, linkinfo: li };
  }) };
}

describe('netlink read = ip -json -d read', () => {
  it('in every namespace of a state with every link kind, both families, many route and rule shapes', async () => {
    const setup = await sb.sh(SETUP);
    expect(setup.exitCode, setup.stderr).toBe(0);
    const r = await sb.run([process.execPath, '--input-type=module', '-e', READ_BOTH, 'host', ...NS]);
    expect(r.exitCode, r.stderr).toBe(0);
    const { INFO_DATA } = await import('../../src/io/netlink/links.js');
    const reads = JSON.parse(r.stdout) as Record<string, { netlink: Read; ip: Read }>;
    const n3modes = ((reads.n3.ip.ipDocs as Record<string, Detail[]>)['link-detail']).filter((d) => d.ifname.startsWith('d3')).map((d) => `${d.ifname} ${d.inet6_addr_gen_mode}`);
    expect(n3modes.sort()).toEqual(['d3 none', 'd3b random']);
    for (const ns of ['host', ...NS]) {
      const { netlink, ip } = reads[ns];
      // `link show` (kinds/addrgenmode.ts): every field netlink gives is ip's, inet6_addr_gen_mode always among them.
      const docs = (r: Read) => { const d = (r.ipDocs as Record<string, unknown>)['link-detail'] as Detail[]; delete (r.ipDocs as Record<string, unknown>)['link-detail']; return d; };
      const nl = docs(netlink), byName = new Map(docs(ip).map((d) => [d.ifname, d]));
      expect(nl.map((d) => d.ifname).sort(), ns).toEqual([...byName.keys()].sort());
      for (const d of nl) {
        const i = byName.get(d.ifname)!;
        expect(d.inet6_addr_gen_mode, `${ns} ${d.ifname}`).toBe(i.inet6_addr_gen_mode);
        for (const [k, v] of Object.entries(d)) if (k !== 'linkinfo') expect(v, `${ns} ${d.ifname} ${k}`).toEqual(i[k]);
      }
      ip.qdiscs = (ip.qdiscs as Qdisc[]).map(qdiscFields);
      expect(netlink, ns).toEqual(projected(ip, INFO_DATA as Record<string, string[]>));
    }

    // The state was what it says: each shape is there to be compared.
    const n1 = reads.n1.ip.links.map((l) => l.linkinfo?.info_kind).sort();
    expect(n1).toEqual(expect.arrayContaining(['bridge', 'ifb', 'macvlan', 'tun', 'veth', 'vxlan']));
    expect((reads.n2.ip.routes as unknown[]).length).toBeGreaterThan(256);
    expect(reads.host.ip.nsids).toEqual(Object.fromEntries(NS.map((n, i) => [i, n])));
    expect(Object.values(reads.n7.ip.nsids as object)).toEqual([]); // its peer's namespace has no name left
    expect((reads.n1.ip.rules6 as { priority: number }[]).map((r) => r.priority)).toEqual([0, 200, 201, 202, 32766]);
    expect(reads.n7.ip.links.some((l) => (l as { link_netnsid?: number }).link_netnsid !== undefined && l.ifname === 'x7')).toBe(true);
    const tbfs = ['n1', 'n2', 'n3', 'n4', 'n6'].flatMap((ns) => (reads[ns].ip.qdiscs as Qdisc[]).filter((q) => q.kind === 'tbf'));
    expect(tbfs.map((q) => q.options!.rate)).toEqual([125000, 972125, 5e9, 41625, 12500]);
    expect(tbfs.find((q) => q.parent === '7a0:1')?.handle).toBe('8:');
    expect((reads.n5.ip.qdiscs as Qdisc[]).map((q) => q.kind)).toContain('ingress');
  });
});

/**
 * Run inside the sandbox: the host's `netns list` read over netlink, and by ip in a batch after `addr show` (as the
 * ip engine reads the host), both as printed and as topo names nsids (live-shape.ts nsidsOf), as JSON.
 */
const NSIDS_BOTH = `
const { NetlinkSession } = await import('${ROOT}dist/src/io/netlink/reader.js');
const { loadLibc } = await import('${ROOT}dist/src/io/netlink/ffi.js');
const { nsidsOf } = await import('${ROOT}dist/src/io/live-shape.js');
const { execFileSync } = await import('node:child_process');
const session = new NetlinkSession(loadLibc());
const netlink = session.read('host', [{ name: 'nsids', line: 'netns list' }]).get('netns list');
session.close();
const printed = execFileSync('ip', ['-json', '-batch', '-'], { input: 'addr show\\nnetns list\\n' }).toString().trim().split('\\n');
const ip = JSON.parse(printed[1]);
console.log(JSON.stringify({ netlink, ip, named: { netlink: nsidsOf(netlink), ip: nsidsOf(ip) } }));
`;

describe('netlink nsids = ip netns list', () => {
  it('names every nsid, more than the kernel lists, many files to a datagram, passing over a file that is no namespace', async () => {
    // 1,300 more namespaces, each given an nsid in the host: more than the kernel's list of nsids (`netns list-id`)
    // holds (it stops after its first buffer, ~1,150 here). Among their files a plain one (the kernel answers EINVAL
    // for it, in the middle of a datagram) and a second name of one namespace (named by the first file in directory
    // order, as ip names it).
    const many = Array.from({ length: 1300 }, (_, i) => `m${i + 1}`);
    const setup = await sb.sh(`set -e
for m in ${many.join(' ')}; do echo "netns add $m"; echo "netns set $m auto"; done | ip -batch -
touch /run/netns/m70x
touch /run/netns/m20b && mount --bind /run/netns/m20 /run/netns/m20b`);
    expect(setup.exitCode, setup.stderr).toBe(0);
    const listed = await sb.run(['ip', 'netns', 'list-id']);
    expect(listed.stdout.trim().split('\n').length).toBeLessThan(many.length); // the kernel's list stops short
    const r = await sb.run([process.execPath, '--input-type=module', '-e', NSIDS_BOTH]);
    expect(r.exitCode, r.stderr).toBe(0);
    type Entry = { name: string; id?: number };
    const { netlink, ip, named } = JSON.parse(r.stdout) as { netlink: Entry[]; ip: Entry[]; named: Record<string, Record<string, string>> };
    expect(netlink).toEqual(ip);
    expect(named.netlink).toEqual(named.ip);
    const names = Object.values(named.netlink);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(many.filter((m) => m !== 'm20')));
    expect(names.filter((n) => /^m20b?$/.test(n))).toHaveLength(1);
    expect(names).not.toContain('m70x');
    expect(ip.find((x) => x.name === 'm70x')).toEqual({ name: 'm70x' });
  });
});

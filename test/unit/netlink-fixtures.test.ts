// The decoders on bytes the kernel sent: test/fixtures/netlink/dumps.json holds, for one namespace (lo, a bridge
// with a veth port, the veth's peer beside it with an alias, IPv4 and IPv6 addresses, routes of main and table 100
// with via/metric/protocol/pref and a blackhole, a permanent neighbour, a rule), the datagrams of each dump as
// received (the link dump in three) and what `ip -json -d` printed for the same state at the same time. Replayed
// through a socket whose recv returns those datagrams, the decoded documents are what ip printed (through topo's
// parsing for interfaces and routes; as printed for neighbours and rules).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseMessages, RTM } from '../../src/io/netlink/codec.js';
import type { Libc } from '../../src/io/netlink/ffi.js';
import { dumpAddrs, dumpLinks, INFO_DATA, linkDocs, linkNames } from '../../src/io/netlink/links.js';
import { neighDocs, routeDocs, ruleDocs } from '../../src/io/netlink/routes.js';
import { NetlinkSocket } from '../../src/io/netlink/socket.js';
import { linksOf, routesOf } from '../../src/io/live-shape.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/netlink/dumps.json', import.meta.url), 'utf8')) as
  { datagrams: Record<string, string[]>; ip: Record<string, any[]> };
const BY_TYPE: Record<number, string> = { [RTM.GETLINK]: 'link', [RTM.GETADDR]: 'addr', [RTM.GETROUTE]: 'route', [RTM.GETNEIGH]: 'neigh', [RTM.GETRULE]: 'rule' };

/** A socket answering each dump request with the captured datagrams of its kind, renumbered to the request's seq. */
function replay(): NetlinkSocket {
  const queue: Buffer[] = [];
  const libc = {
    send: (_fd: number, req: Buffer, len: number) => {
      const seq = req.readUInt32LE(8);
      for (const hex of fixture.datagrams[BY_TYPE[req.readUInt16LE(4)]]) {
        const d = Buffer.from(hex, 'hex');
        let at = 0;
        for (const m of parseMessages(d)) { d.writeUInt32LE(seq, at + 8); at += (16 + m.payload.length + 3) & ~3; }
        queue.push(d);
      }
      return len;
    },
    recv: (_fd: number, buf: Buffer) => { const d = queue.shift()!; d.copy(buf); return d.length; },
    errno: () => 0, strerror: () => '', close: () => 0,
  } as unknown as Libc;
  return new NetlinkSocket(libc, 3);
}

/** ip's interface document with linkinfo cut to what the decoder gives (info_kind, info_data's INFO_DATA keys). */
const projected = (docs: any[]) => docs.map((l) => {
  if (!l.linkinfo) return l;
  const keys = (INFO_DATA as Record<string, string[]>)[l.linkinfo.info_kind];
  const li: Record<string, unknown> = { info_kind: l.linkinfo.info_kind };
  if (keys && l.linkinfo.info_data) li.info_data = Object.fromEntries(keys.filter((k) => k in l.linkinfo.info_data).map((k) => [k, l.linkinfo.info_data[k]]));
  return { ...l, linkinfo: li };
});

it('interfaces with their addresses (a link dump in three datagrams) read as ip -json -d addr show', () => {
  const sock = replay();
  const links = dumpLinks(sock);
  expect(links.length).toBe(4);
  expect(linksOf(linkDocs(links, dumpAddrs(sock)))).toEqual(linksOf(projected(fixture.ip.link)));
});

it('routes of every table as ip -json -d route show table all, neighbours and rules as ip prints them', () => {
  const sock = replay();
  const links = dumpLinks(sock);
  const name = linkNames(links);
  const routes = routeDocs(sock, name);
  expect(routesOf(routes)).toEqual(routesOf(fixture.ip.route));
  expect(routesOf(routes).length).toBeGreaterThanOrEqual(5);
  expect(neighDocs(sock, name, () => 1)).toEqual(fixture.ip.neigh);
  expect(ruleDocs(sock)).toEqual(fixture.ip.rule);
});

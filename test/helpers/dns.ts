// A DNS server in a lab namespace, for tests of the resolv.conf files topo writes: node's dgram (always present
// where topo runs), UDP port 53 on every IPv4 address of the namespace, run inside the sandbox with `ip netns exec`.
// It appends each question it gets ("name type", type 1 = A, 28 = AAAA) to a log file, answers an A question for a
// name of `names` with its address and anything else with NXDOMAIN. A process of this test, stopped by its PID.
import type { Sandbox } from './sandbox.js';
import { nodeServer, type TcpServer } from './tcp.js';

export function dnsServer(sb: Sandbox, ns: string, log: string, names: Record<string, string>): Promise<TcpServer> {
  const ready = `/run/dns-server-${ns}.ready`;
  const code = `const fs = require('fs'), names = ${JSON.stringify(names)};
const d = require('dgram').createSocket('udp4');
d.on('message', (m, from) => {
  const labels = [];
  let i = 12;
  while (m[i]) { labels.push(m.toString('latin1', i + 1, i + 1 + m[i])); i += m[i] + 1; }
  const name = labels.join('.'), type = m.readUInt16BE(i + 1);
  fs.appendFileSync(${JSON.stringify(log)}, name + ' ' + type + '\\n');
  const addr = type === 1 ? names[name] : undefined;
  const head = Buffer.alloc(12);
  m.copy(head, 0, 0, 2);
  head.writeUInt16BE(0x8180 | (addr || names[name] ? 0 : 3), 2); // a response, recursion available; NXDOMAIN when unknown
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(addr ? 1 : 0, 6);
  const answer = addr ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...addr.split('.').map(Number)]) : Buffer.alloc(0);
  d.send(Buffer.concat([head, m.subarray(12, i + 5), answer]), from.port, from.address);
});
d.bind(53, '0.0.0.0', () => fs.writeFileSync(${JSON.stringify(ready)}, ''));`;
  return nodeServer(sb, ns, 53, 'dns', code, ready);
}

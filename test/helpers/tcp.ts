// TCP through a lab, for tests that need more than ping (a port forward, a firewall rule): a small server and a
// client, both node (always present where topo runs), run in a lab namespace inside the sandbox with
// `ip netns exec`. The server is a process of this test, stopped by its PID.
import type { Sandbox } from './sandbox.js';

export interface TcpServer { pid: number; stop(): Promise<void> }

/**
 * A server in `ns` listening on `port` (all addresses, v4 and v6) that writes `reply` to every connection and
 * closes it; `{peer}` in the reply is replaced by the address the connection came from (as the server sees it,
 * after any NAT). Resolves once it listens.
 */
export function tcpServer(sb: Sandbox, ns: string, port: number, reply = `hello from ${ns}`): Promise<TcpServer> {
  const ready = `/run/tcp-server-${ns}-${port}.ready`;
  const code = `require('net').createServer((s) => s.end(${JSON.stringify(reply)}.split('{peer}').join(String(s.remoteAddress).replace(/^::ffff:/, '')))).listen(${port}, () => require('fs').writeFileSync(${JSON.stringify(ready)}, ''))`;
  return nodeServer(sb, ns, port, 'tcp', code, ready);
}

/**
 * Run node with `code` in `ns` in the background; resolves once the code has written `ready` (it listens), with its
 * PID and a stop that ends it (TERM, then KILL after 5 s). `what` names it in errors.
 */
export async function nodeServer(sb: Sandbox, ns: string, port: number, what: string, code: string, ready: string): Promise<TcpServer> {
  const started = await sb.run(['sh', '-c', `ip netns exec "$1" "$2" -e "$3" >/dev/null 2>&1 & echo $!`, 'sh', ns, process.execPath, code]);
  const pid = Number(started.stdout.trim());
  if (started.exitCode !== 0 || !pid) throw new Error(`${what} server in ${ns}: ${started.stderr}`);
  const alive = async () => (await sb.run(['kill', '-0', String(pid)])).exitCode === 0;
  const stop = async () => {
    await sb.run(['kill', String(pid)]);
    for (let i = 0; i < 50 && (await alive()); i++) await new Promise((r) => setTimeout(r, 100));
    if (await alive()) await sb.run(['kill', '-9', String(pid)]);
  };
  for (let i = 0; i < 200; i++) {
    if ((await sb.run(['test', '-e', ready])).exitCode === 0) return { pid, stop };
    if (!(await alive())) throw new Error(`${what} server in ${ns} port ${port} exited before listening`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${what} server in ${ns} port ${port} did not listen within 20 s`);
}

/** What a connection attempt found: the server's reply, a refusal (RST / ICMP unreachable), or no answer. */
export type TcpOutcome = { result: 'open'; reply: string } | { result: 'refused' | 'unreachable' | 'timeout'; reply?: undefined };

/** Connect from `ns` to host:port (waiting at most `timeoutMs` for an answer) and read what the server writes. */
export async function tcpConnect(sb: Sandbox, ns: string, host: string, port: number, timeoutMs = 3000): Promise<TcpOutcome> {
  const code = `
const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
let data = '';
const done = (o) => { console.log(JSON.stringify(o)); process.exit(0); };
s.setTimeout(${timeoutMs}, () => done({ result: 'timeout' }));
s.on('data', (d) => { data += d; });
s.on('end', () => done({ result: 'open', reply: data }));
s.on('error', (e) => done({ result: e.code === 'ECONNREFUSED' ? 'refused' : /UNREACH/.test(e.code) ? 'unreachable' : 'timeout' }));`;
  const r = await sb.run(['ip', 'netns', 'exec', ns, process.execPath, '-e', code], { timeoutMs: timeoutMs + 30_000 });
  if (r.exitCode !== 0) throw new Error(`tcp client in ${ns}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as TcpOutcome;
}

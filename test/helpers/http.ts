// An HTTP server in a lab namespace, for the http tests of `topo test`: node's own http module (always present
// where topo runs), run inside the sandbox with `ip netns exec`; 200 "ok" for /, 404 for any other path. A process
// of this test, stopped by its PID (as tcp.ts's server).
import type { Sandbox } from './sandbox.js';
import type { TcpServer } from './tcp.js';

export async function httpServer(sb: Sandbox, ns: string, port: number): Promise<TcpServer> {
  const ready = `/run/http-server-${ns}-${port}.ready`;
  const code = `require('http').createServer((q, s) => { s.statusCode = q.url === '/' ? 200 : 404; s.end(q.url === '/' ? 'ok' : 'no'); })
    .listen(${port}, () => require('fs').writeFileSync(${JSON.stringify(ready)}, ''))`;
  const started = await sb.run(['sh', '-c', `ip netns exec "$1" "$2" -e "$3" >/dev/null 2>&1 & echo $!`, 'sh', ns, process.execPath, code]);
  const pid = Number(started.stdout.trim());
  if (started.exitCode !== 0 || !pid) throw new Error(`http server in ${ns}: ${started.stderr}`);
  const alive = async () => (await sb.run(['kill', '-0', String(pid)])).exitCode === 0;
  const stop = async () => {
    await sb.run(['kill', String(pid)]);
    for (let i = 0; i < 50 && (await alive()); i++) await new Promise((r) => setTimeout(r, 100));
    if (await alive()) await sb.run(['kill', '-9', String(pid)]);
  };
  for (let i = 0; i < 200; i++) {
    if ((await sb.run(['test', '-e', ready])).exitCode === 0) return { pid, stop };
    if (!(await alive())) throw new Error(`http server in ${ns} port ${port} exited before listening`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`http server in ${ns} port ${port} did not listen within 20 s`);
}

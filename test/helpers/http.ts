// An HTTP server in a lab namespace, for the http tests of `topo test`: node's own http module (always present
// where topo runs), run inside the sandbox with `ip netns exec`; 200 "ok" for /, 404 for any other path. A process
// of this test, stopped by its PID (as tcp.ts's server).
import type { Sandbox } from './sandbox.js';
import { nodeServer, type TcpServer } from './tcp.js';

export function httpServer(sb: Sandbox, ns: string, port: number): Promise<TcpServer> {
  const ready = `/run/http-server-${ns}-${port}.ready`;
  const code = `require('http').createServer((q, s) => { s.statusCode = q.url === '/' ? 200 : 404; s.end(q.url === '/' ? 'ok' : 'no'); })
    .listen(${port}, () => require('fs').writeFileSync(${JSON.stringify(ready)}, ''))`;
  return nodeServer(sb, ns, port, 'http', code, ready);
}

// An HTTPS server in a lab namespace, for the https tests of `topo test`: node's https module with a self-signed
// certificate made by `openssl` (a test dependency, scripts/ensure-test-deps.mjs) for the name given, run inside the
// sandbox with `ip netns exec`; 200 "ok" for /, 404 for any other path. A process of this test, stopped by its PID.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';
import { nodeServer, type TcpServer } from './tcp.js';

/** A self-signed certificate (EC P-256, one day) for DNS name `name`, and its key, written in `dir`: their paths. */
export function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`), key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'pipe' });
  return { cert, key };
}

export function httpsServer(sb: Sandbox, ns: string, port: number, tls: { cert: string; key: string }): Promise<TcpServer> {
  const ready = `/run/https-server-${ns}-${port}.ready`;
  const code = `const fs = require('fs');
require('https').createServer({ cert: fs.readFileSync(${JSON.stringify(tls.cert)}), key: fs.readFileSync(${JSON.stringify(tls.key)}) },
  (q, s) => { s.statusCode = q.url === '/' ? 200 : 404; s.end(q.url === '/' ? 'ok' : 'no'); })
  .listen(${port}, () => fs.writeFileSync(${JSON.stringify(ready)}, ''))`;
  return nodeServer(sb, ns, port, 'https', code, ready);
}

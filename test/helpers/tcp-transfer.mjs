// A TCP transfer for the shaping tests, run with node inside a lab namespace (`ip netns exec NS node ...`):
//   serve ADDR PORT        prints "listening", takes one connection, then prints {"bytes": N, "ms": T}: the bytes
//                          received and the time from the connection to its end (the sender's last byte in)
//   send ADDR PORT BYTES   sends BYTES bytes and closes
// It measures (the kernel test asserts a lower bound on what it printed: shaping can only make it slower).
import { connect, createServer } from 'node:net';

const [mode, host, port, count] = process.argv.slice(2);
if (mode === 'serve') {
  const server = createServer((c) => {
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    c.on('data', (d) => { bytes += d.length; });
    c.on('end', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`${JSON.stringify({ bytes, ms })}\n`);
      c.end();
      server.close();
    });
  });
  server.listen(Number(port), host, () => process.stdout.write('listening\n'));
  setTimeout(() => { console.error('no transfer within 60 s'); process.exit(1); }, 60_000).unref();
} else if (mode === 'send') {
  const c = connect(Number(port), host, () => c.end(Buffer.alloc(Number(count), 120)));
  c.on('error', (e) => { console.error(e.message); process.exit(1); });
} else {
  console.error('usage: tcp-transfer.mjs serve ADDR PORT | send ADDR PORT BYTES');
  process.exit(2);
}

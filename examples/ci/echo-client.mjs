#!/usr/bin/env node
// The client side of the CI example: connects to HOST PORT, sends MESSAGE, prints what comes back (the echo
// server in lab.yaml sends it back) and exits 0; exits 1 with the reason on stderr when it can't.
import { connect } from 'node:net';

const [host, port, message = 'hello'] = process.argv.slice(2);
const socket = connect({ host, port: Number(port) });
let reply = '';
socket.setTimeout(5000, () => { process.stderr.write(`no echo from ${host}:${port} in 5 s\n`); process.exit(1); });
socket.on('connect', () => socket.write(message));
socket.on('data', (d) => {
  reply += d.toString();
  if (reply.length >= message.length) { process.stdout.write(`${reply}\n`); socket.end(); }
});
socket.on('error', (e) => { process.stderr.write(`${host}:${port}: ${e.message}\n`); process.exit(1); });

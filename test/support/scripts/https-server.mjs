/* global process, console */
// A tiny HTTP(S) server the lab runs inside a namespace (`node https-server.mjs '<json>'`).
// Plain JavaScript so it runs without a build step; it prints one "listening" line when ready.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

const config = JSON.parse(process.argv[2] ?? '{}');
const handler = (request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`${config.body ?? 'ok'}\n`);
};
const server = config.tls
  ? createHttpsServer({ cert: readFileSync(config.certPath), key: readFileSync(config.keyPath) }, handler)
  : createHttpServer(handler);
// Handshake failures (a probe that only looks at the certificate) are expected; keep serving.
server.on('tlsClientError', () => undefined);
server.listen(config.port, config.address, () => {
  console.log(`listening on ${config.address} port ${config.port}`);
});
// Open keep-alive connections would hold close() back; the lab wants the port gone now.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

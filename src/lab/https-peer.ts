import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { generate } from 'selfsigned';
import { listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated web service (PSM REST, dashboard, Monit, Graphite, an external HTTP host): HTTPS with
 * a self-signed certificate generated in-process, or plain HTTP. `GET /` answers 200 with a
 * `Server` header; every other path 404.
 */

export interface LabCertificate {
  readonly key: string;
  readonly cert: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertificateOptions {
  /** CN and the DNS SAN. @default 'localhost' */
  readonly hostName?: string;
  /** IP addresses for iPAddress SANs (an HTTPS probe by address checks these). */
  readonly ipAddresses?: readonly string[];
  /** Fault: validity ended yesterday (OpenSSL verify code 10). @default false */
  readonly expired?: boolean;
}

export interface HttpServiceOptions extends CertificateOptions {
  /** HTTPS (true) or plain HTTP. @default true */
  readonly tls?: boolean;
  /** Certificate to serve; generated from the certificate options when absent. */
  readonly certificate?: LabCertificate;
  /** @default 'PSM-REST' */
  readonly serverHeader?: string;
  /** Status for `GET /`. @default 200 */
  readonly status?: number;
}

export interface HttpsPeerOptions extends HttpServiceOptions, PeerEndpoint {}

export interface HttpsPeerHandle extends PeerHandle {
  readonly tls: boolean;
  /** Present when `tls` is true. */
  readonly certificate?: LabCertificate;
}

export interface HttpService {
  readonly certificate?: LabCertificate;
  readonly onConnection: ConnectionHandler;
}

const DAY_MS = 86_400_000;

/** A self-signed EC certificate (EC keeps generation in the milliseconds, unlike RSA 2048). */
export async function generateLabCertificate(options: CertificateOptions = {}): Promise<LabCertificate> {
  const hostName = options.hostName ?? 'localhost';
  const now = Date.now();
  const notBefore = new Date(options.expired ? now - 30 * DAY_MS : now - DAY_MS);
  const notAfter = new Date(options.expired ? now - DAY_MS : now + 365 * DAY_MS);
  const pems = await generate([{ name: 'commonName', value: hostName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: hostName },
          ...(options.ipAddresses ?? []).filter((ip) => net.isIP(ip) !== 0).map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, notBefore, notAfter };
}

/** The protocol behaviour, shareable by several listeners (a port range of one host). */
export async function createHttpService(options: HttpServiceOptions = {}): Promise<HttpService> {
  const serverHeader = options.serverHeader ?? 'PSM-REST';
  const status = options.status ?? 200;
  const onRequest: http.RequestListener = (request, response) => {
    response.setHeader('Server', serverHeader);
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    const root = request.url === '/' && (request.method === 'GET' || request.method === 'HEAD');
    response.statusCode = root ? status : 404;
    response.end(root ? `${serverHeader} (PSM lab)\n` : 'not found\n');
  };
  const tls = options.tls ?? true;
  const certificate = tls ? (options.certificate ?? (await generateLabCertificate(options))) : undefined;
  // Never listened on: the lab's own TCP listeners inject their sockets, as Node documents for 'connection'.
  const server = certificate ? https.createServer({ key: certificate.key, cert: certificate.cert }, onRequest) : http.createServer(onRequest);
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_error, socket) => socket.destroy());
  return { certificate, onConnection: (socket) => server.emit('connection', socket) };
}

export async function startHttpsPeer(options: HttpsPeerOptions): Promise<HttpsPeerHandle> {
  const service = await createHttpService({
    ...options,
    ipAddresses: options.ipAddresses ?? [options.address],
  });
  const handle = await listenTcp(options, service.onConnection);
  return { ...handle, tls: service.certificate !== undefined, certificate: service.certificate };
}

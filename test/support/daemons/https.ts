import { X509Certificate } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import type { NetnsLab } from '../netns.js';
import { launch, tcpListening } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * A small Node HTTP(S) server (test/support/scripts/https-server.mjs) inside a lab host, with a
 * self-signed certificate that is valid, expired or not yet valid. The certificate comes from the
 * `selfsigned` package because Debian 12's OpenSSL 3.0 `req -x509` cannot set a start date in
 * the past (no -not_before) and faketime is not installed.
 */

export type CertificateValidity = 'valid' | 'expired' | 'not-yet-valid';

export interface HttpsOptions {
  certificate?: CertificateValidity;
  /** Default `<host>.zone.test`. */
  commonName?: string;
  /** DNS subjectAltNames (default [commonName]). */
  dnsNames?: readonly string[];
  /** IP subjectAltNames (default [the listen address]); [] for a certificate that no IP matches. */
  ipAddresses?: readonly string[];
  /** Plain HTTP instead of HTTPS (no certificate). */
  tls?: boolean;
  port?: number;
  address?: string;
  body?: string;
}

export interface HttpsCertificate {
  readonly pem: string;
  /** The PEM file, e.g. for `curl --cacert` (trusting it leaves dates and names as the only checks). */
  readonly path: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Colon-separated upper-case hex, as Node's X509Certificate prints it. */
  readonly fingerprint256: string;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export interface HttpsHandle extends DaemonHandle {
  readonly port: number;
  readonly url: string;
  readonly certificate: HttpsCertificate | undefined;
}

/** Next to this module in the source tree; from the repo root when this file runs compiled from dist/. */
const SERVER_SCRIPT = [
  fileURLToPath(new URL('../scripts/https-server.mjs', import.meta.url)),
  join(process.cwd(), 'test/support/scripts/https-server.mjs'),
].find((path) => existsSync(path)) ?? 'test/support/scripts/https-server.mjs';
const DAY_MS = 24 * 60 * 60 * 1000;

export async function startHttps(lab: NetnsLab, host: string, options: HttpsOptions = {}): Promise<HttpsHandle> {
  const address = options.address ?? lab.addr(host);
  const tls = options.tls ?? true;
  const port = options.port ?? (tls ? 443 : 80);
  const dir = lab.tempDir('https');
  const certificate = tls
    ? await makeCertificate(
        options.certificate ?? 'valid',
        options.commonName ?? `${host}.zone.test`,
        options.dnsNames,
        options.ipAddresses ?? [address],
      )
    : undefined;
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (certificate) {
    writeFileSync(certPath, certificate.certPem);
    writeFileSync(keyPath, certificate.keyPem, { mode: 0o600 });
  }
  const config = { address, port, tls, certPath, keyPath, body: options.body ?? `netcheck lab ${host}` };

  const daemon = await launch({
    name: tls ? 'https server' : 'http server',
    lab,
    host,
    address,
    dir,
    command: process.execPath,
    args: [SERVER_SCRIPT, JSON.stringify(config)],
    ready: async (child) => /listening on/.test(child.output()) && (await tcpListening(lab, host, port)()),
  });
  const authority = address.includes(':') ? `[${address}]` : address;
  return {
    ...daemon,
    port,
    url: `${tls ? 'https' : 'http'}://${authority}:${port}/`,
    certificate: certificate === undefined ? undefined : { ...certificate.info, path: certPath },
  };
}

async function makeCertificate(
  validity: CertificateValidity,
  commonName: string,
  dnsNames: readonly string[] | undefined,
  ipAddresses: readonly string[],
): Promise<{ certPem: string; keyPem: string; info: Omit<HttpsCertificate, 'path'> }> {
  const now = Date.now();
  const [notBefore, notAfter] =
    validity === 'valid'
      ? [new Date(now - DAY_MS), new Date(now + 30 * DAY_MS)]
      : validity === 'expired'
        ? [new Date(now - 60 * DAY_MS), new Date(now - 2 * DAY_MS)]
        : [new Date(now + 30 * DAY_MS), new Date(now + 60 * DAY_MS)];
  const names = dnsNames ?? [commonName];
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          ...ipAddresses.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  const parsed = new X509Certificate(pems.cert);
  return {
    certPem: pems.cert,
    keyPem: pems.private,
    info: {
      pem: pems.cert,
      notBefore: new Date(parsed.validFrom),
      notAfter: new Date(parsed.validTo),
      fingerprint256: parsed.fingerprint256,
      commonName,
      dnsNames: names,
      ipAddresses,
    },
  };
}

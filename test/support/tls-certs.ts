import { generate } from 'selfsigned';

/** Certificates for TLS tests, generated in-process (EC keys: milliseconds, not seconds). */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

export interface CertificateSpec {
  readonly commonName?: string;
  /** dNSName SANs; none at all when both lists are empty. */
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  /** Validity relative to now, in days. @default -1 .. 365 */
  readonly fromDays?: number;
  readonly toDays?: number;
  /** Sign with this CA instead of self-signing. */
  readonly ca?: TestCertificate;
  readonly isCa?: boolean;
}

const DAY_MS = 86_400_000;

export async function testCertificate(spec: CertificateSpec = {}): Promise<TestCertificate> {
  const now = Date.now();
  const altNames = [
    ...(spec.dns ?? []).map((value) => ({ type: 2 as const, value })),
    ...(spec.ips ?? []).map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: spec.commonName ?? 'psm-test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now + (spec.fromDays ?? -1) * DAY_MS),
    notAfterDate: new Date(now + (spec.toDays ?? 365) * DAY_MS),
    extensions: [
      spec.isCa ? { name: 'basicConstraints', cA: true } : { name: 'basicConstraints', cA: false },
      spec.isCa ? { name: 'keyUsage', keyCertSign: true, cRLSign: true } : { name: 'keyUsage', digitalSignature: true },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName' as const, altNames }] : []),
    ],
    ...(spec.ca === undefined ? {} : { ca: { key: spec.ca.key, cert: spec.ca.cert } }),
  });
  return { key: pems.private, cert: pems.cert };
}

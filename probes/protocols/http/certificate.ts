import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Evidence, Finding } from '../../../src/core/probe.js';

/** What was found wrong with a server certificate; `code` doubles as a reason or finding code. */
export interface CertificateIssue {
  readonly code: 'cert-expired' | 'cert-not-yet-valid' | 'cert-expiring' | 'cert-self-signed' | 'cert-hostname-mismatch' | 'cert-chain-untrusted';
  readonly severity: Finding['severity'];
  readonly message: string;
}

export interface CertificateReport {
  readonly evidence: Evidence;
  readonly issues: readonly CertificateIssue[];
}

const DAY_MS = 86_400_000;

/**
 * Node's names for OpenSSL's X509_V_ERR_* codes, with the numbers OpenSSL (and Python's
 * verify_code) report. Only the codes a server certificate can realistically produce.
 */
const VERIFY_CODES: Readonly<Record<string, number>> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 13,
  ERROR_IN_CERT_NOT_AFTER_FIELD: 14,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  HOSTNAME_MISMATCH: 62,
  IP_ADDRESS_MISMATCH: 64,
};

/** Chain errors that the validity dates already report on their own. */
const EXPLAINED_BY_DATES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * The facts of the server certificate of an established TLS session, each evaluated on its own:
 * validity dates against `now`, self-signature, the host name by RFC 9525, and the chain result
 * OpenSSL gave (it reports only its first error, which is why the others are checked here).
 * Undefined when the server sent no certificate.
 */
export function inspectCertificate(
  socket: TLSSocket,
  reference: string,
  warnDays: number,
  now: number = Date.now(),
): CertificateReport | undefined {
  const peer = socket.getPeerCertificate(false);
  if (peer === null || typeof peer !== 'object' || peer.raw === undefined) return undefined;
  const cert = new X509Certificate(peer.raw);
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const daysUntilExpiry = Math.floor((notAfter.getTime() - now) / DAY_MS);
  const selfSigned = isSelfSigned(cert);
  const hostnameMatch = matchesReference(cert, reference);
  const chainError = socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN');
  const sans = subjectAltNames(cert.subjectAltName);

  const evidence: Evidence = {
    tlsVersion: socket.getProtocol() ?? 'unknown',
    certSubjectCn: /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '',
    certSans: sans,
    certIssuer: cert.issuer.split('\n').join(', '),
    certSelfSigned: selfSigned,
    certNotBefore: notBefore.toISOString(),
    certNotAfter: notAfter.toISOString(),
    certDaysUntilExpiry: daysUntilExpiry,
    certHostnameChecked: reference,
    certHostnameMatch: hostnameMatch,
    certChainVerified: chainError === null,
    certChainError: chainError,
    certChainErrorCode: chainError === null ? null : (VERIFY_CODES[chainError] ?? null),
    certFingerprint256: cert.fingerprint256,
  };

  const issues: CertificateIssue[] = [];
  if (now > notAfter.getTime()) {
    issues.push({ code: 'cert-expired', severity: 'fail', message: `certificate expired on ${notAfter.toISOString()}` });
  } else if (now < notBefore.getTime()) {
    issues.push({
      code: 'cert-not-yet-valid',
      severity: 'fail',
      message: `certificate valid only from ${notBefore.toISOString()} (check the clocks)`,
    });
  } else if (daysUntilExpiry < warnDays) {
    issues.push({ code: 'cert-expiring', severity: 'warn', message: `certificate expires in ${daysUntilExpiry} days` });
  }
  if (selfSigned) issues.push({ code: 'cert-self-signed', severity: 'info', message: 'the server certificate is self-signed' });
  if (!hostnameMatch) {
    issues.push({
      code: 'cert-hostname-mismatch',
      severity: 'warn',
      message: `no subjectAltName matches ${reference}${sans.length === 0 ? ' (the certificate has none; the CN does not count)' : ''}`,
    });
  }
  const explained = chainError === null || EXPLAINED_BY_DATES.has(chainError) || (selfSigned && chainError === 'DEPTH_ZERO_SELF_SIGNED_CERT');
  if (!explained) {
    issues.push({ code: 'cert-chain-untrusted', severity: 'warn', message: `chain not verified: ${chainError}` });
  }
  return { evidence, issues };
}

/**
 * Issuer name equal to its subject and signed with its own key. Not checkIssued(): OpenSSL's
 * issuer check also wants keyCertSign in keyUsage, which many self-signed server certificates
 * (keytool, appliance defaults) lack.
 */
function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * RFC 9525: only subjectAltName counts (never the CN); a DNS reference matches a dNSName whose
 * wildcard, if any, is the whole leftmost label and stands for exactly one label; an IP reference
 * matches only an iPAddress entry. OpenSSL's X509_check_host/X509_check_ip implement exactly this
 * with subject 'never', no partial and no multi-label wildcards.
 */
export function matchesReference(cert: X509Certificate, reference: string): boolean {
  const bare = reference.replace(/%.*$/, ''); // an IPv6 zone index is local, never in a certificate
  if (net.isIP(bare) !== 0) return cert.checkIP(bare) !== undefined;
  const name = reference.replace(/\.$/, '');
  return (
    cert.checkHost(name, {
      subject: 'never',
      wildcards: true,
      partialWildcards: false,
      multiLabelWildcards: false,
      singleLabelSubdomains: false,
    }) !== undefined
  );
}

/**
 * "DNS:a.example, IP Address:127.0.0.1" as ["DNS:a.example", "IP:127.0.0.1"]. Node quotes an
 * entry that contains a comma or quote ("DNS:\"a,b\""), so split only outside quotes.
 */
export function subjectAltNames(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === '\\' && quoted) {
      current += text[i + 1] ?? '';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      entries.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  entries.push(current.trim());
  return entries.filter((entry) => entry !== '').map((entry) => entry.replace(/^IP Address:/, 'IP:'));
}

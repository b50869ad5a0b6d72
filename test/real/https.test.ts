import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts } from '../../src/core/probe.js';
import { startHttps, type HttpsHandle } from '../support/daemons/https.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The http probe against a real HTTPS server in a network namespace (test/support/daemons/https.ts),
 * on port 443 so that scheme 'auto' picks TLS: a self-signed certificate that is valid, one that
 * has expired, one not valid yet, one whose SANs do not name the address, and plain HTTP on 80.
 */

const why = missing(netns);

describe.skipIf(why)(titleWith('http probe against HTTPS servers', why), () => {
  let lab: NetnsLab;
  let runner: string;
  let valid: HttpsHandle;
  let expired: HttpsHandle;
  let future: HttpsHandle;
  let otherName: HttpsHandle;
  let plain: HttpsHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'web1', 'web2', 'web3', 'web4'] });
    [runner, valid, expired, future, otherName, plain] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startHttps(lab, 'web1'),
      startHttps(lab, 'web2', { certificate: 'expired' }),
      startHttps(lab, 'web3', { certificate: 'not-yet-valid' }),
      startHttps(lab, 'web4', { ipAddresses: [] }),
      startHttps(lab, 'web1', { tls: false }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (handle: HttpsHandle, options: Record<string, unknown> = {}): Promise<ProbeFacts> => {
    const request: ProbeRequest = {
      kind: 'http',
      target: { host: handle.host, address: handle.address, port: handle.port, transport: 'tcp' },
      options,
    };
    const result = await lab.runNode('prober', runner, [JSON.stringify(request)], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };

  it('reports a valid self-signed certificate: facts, the chain error, and only an info finding', async () => {
    const facts = await probe(valid);
    expect(facts).toMatchObject({
      state: 'open',
      reason: 'cert-expiring', // the lab certificate lives 30 days, within the default certWarnDays
      evidence: {
        scheme: 'https',
        status: 200,
        certSelfSigned: true,
        certHostnameMatch: true,
        certChainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        certChainErrorCode: 18,
        certFingerprint256: valid.certificate?.fingerprint256,
        certNotAfter: valid.certificate?.notAfter.toISOString(),
      },
    });
    expect((await probe(valid, { certWarnDays: 7 })).reason).toBe('http-ok');
  });

  it('trusts the certificate given as caFile, leaving dates and names as the only checks', async () => {
    const facts = await probe(valid, { certWarnDays: 7, caFile: valid.certificate?.path });
    expect(facts).toMatchObject({ reason: 'http-ok', evidence: { certChainVerified: true, certChainError: null } });
  });

  it('reports an expired certificate as cert-expired (OpenSSL 10) and one from the future as cert-not-yet-valid (9)', async () => {
    expect(await probe(expired)).toMatchObject({ reason: 'cert-expired', evidence: { status: 200, certChainErrorCode: 10 } });
    expect(await probe(future)).toMatchObject({ reason: 'cert-not-yet-valid', evidence: { certChainErrorCode: 9 } });
  });

  it('finds no SAN for the address when the certificate names only the host', async () => {
    const facts = await probe(otherName, { certWarnDays: 7 });
    expect(facts.evidence).toMatchObject({ certHostnameMatch: false, certSans: ['DNS:web4.zone.test'] });
    expect(facts.findings?.map((finding) => finding.code)).toContain('cert-hostname-mismatch');
    const named = await probe(otherName, { certWarnDays: 7, serverName: 'web4.zone.test' });
    expect(named.evidence).toMatchObject({ certHostnameMatch: true });
  });

  it('speaks plain HTTP on port 80', async () => {
    expect(await probe(plain)).toMatchObject({ reason: 'http-ok', evidence: { scheme: 'http', status: 200 } });
  });
});

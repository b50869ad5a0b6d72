import { afterEach, describe, expect, it } from 'vitest';
import radiusProbe from '../../probes/radius.js';
import type { HostCredentials } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import { type RadiusServer, type RadiusServerSetup, startRadiusServer } from '../support/radius-server.js';

const SECRET = 'testing123-secret';
const credentials = (secret = SECRET, password = 'probe-password'): HostCredentials => ({
  radius: { secret: new Secret(secret), probeUser: { username: 'netcheck-probe', password: new Secret(password) } },
});
const USERS = { 'netcheck-probe': 'probe-password' };

describe('radius probe', () => {
  const servers: RadiusServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const server = async (setup: Partial<RadiusServerSetup> = {}): Promise<RadiusServer> => {
    const started = await startRadiusServer({ secret: SECRET, users: USERS, ...setup });
    servers.push(started);
    return started;
  };

  it('Status-Server with the right secret, Message-Authenticator first in the reply: clean', async () => {
    const peer = await server();
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({
      state: 'open',
      reason: 'status-server-ok',
      evidence: { replyCode: 'Access-Accept', messageAuthenticator: 'first' },
    });
    expect(facts.findings).toBeUndefined();
    // One Status-Server, with Message-Authenticator, and nothing else (no login attempt by default).
    expect(peer.requests.map((request) => request.code)).toEqual(['Status-Server']);
    expect(peer.requests[0]?.attributes['Message-Authenticator']).toBeDefined();
  });

  it('a reply without Message-Authenticator is a BlastRADIUS finding (FreeRADIUS before 3.2.5)', async () => {
    const peer = await server({ messageAuthenticator: 'none' });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({ state: 'open', reason: 'status-server-ok', evidence: { messageAuthenticator: 'absent' } });
    expect(facts.findings).toEqual([expect.objectContaining({ code: 'radius-no-message-authenticator', severity: 'warn' })]);
  });

  it('Message-Authenticator present but last: verified, noted', async () => {
    const peer = await server({ messageAuthenticator: 'last' });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({ reason: 'status-server-ok', evidence: { messageAuthenticator: 'present' } });
    expect(facts.findings).toEqual([expect.objectContaining({ code: 'radius-message-authenticator-not-first', severity: 'info' })]);
  });

  it('an accounting port answers Accounting-Response', async () => {
    const peer = await server({ accounting: true });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({ reason: 'status-server-ok', evidence: { replyCode: 'Accounting-Response' } });
  });

  it('wrong secret: the server drops the Status-Server, silence is explained', async () => {
    const peer = await server({ secret: 'another-secret' });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials(), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
    expect(facts.message).toBe('no response: filtered, unknown client or wrong secret (or Status-Server disabled)');
  });

  it('wrong secret with accessRequest: an Access-Request without Message-Authenticator reveals it', async () => {
    const peer = await server({ secret: 'another-secret' });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), {
      credentials: credentials(),
      timeoutMs: 800,
      options: { accessRequest: true },
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'shared-secret-mismatch', evidence: { replyCode: 'Access-Reject' } });
    // Never a retransmission: one Status-Server and one Access-Request, with different Identifiers.
    expect(peer.received).toHaveLength(2);
    expect(peer.received[0]?.[1]).not.toBe(peer.received[1]?.[1]);
    expect(JSON.stringify(facts)).not.toContain(SECRET);
  });

  it('a reply signed with another secret: shared-secret-mismatch', async () => {
    const peer = await server({ replySecret: 'reply-secret' });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({ state: 'open', reason: 'shared-secret-mismatch' });
  });

  it('accessRequest after a verified Status-Server: the probe user is accepted', async () => {
    const peer = await server();
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials(), options: { accessRequest: true } });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-accept', evidence: { replyCode: 'Access-Accept' } });
    // The server decoded the hidden User-Password to the right value, and the request carried MA.
    const access = peer.requests.find((request) => request.code === 'Access-Request');
    expect(access?.attributes['User-Name']).toBe('netcheck-probe');
    expect(access?.attributes['Message-Authenticator']).toBeDefined();
    expect(access?.attributes['NAS-Identifier']).toBe('psm-netcheck');
  });

  it('accessRequest with a wrong password: Access-Reject proves server and secret', async () => {
    const peer = await server();
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), {
      credentials: credentials(SECRET, 'not-the-password'),
      options: { accessRequest: true },
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-reject-ok' });
    expect(facts.message).toContain('unknown user or bad password');
  });

  it('Status-Server disabled: the Access-Request fallback shows the server up, and that it takes requests without MA', async () => {
    const peer = await server({ statusServer: false });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), {
      credentials: credentials(SECRET, 'wrong'),
      timeoutMs: 800,
      options: { accessRequest: true },
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-reject-ok' });
    expect(facts.findings?.map((finding) => finding.code)).toEqual([
      'radius-status-server-silent',
      'radius-request-without-message-authenticator-accepted',
    ]);
  });

  it('Status-Server disabled and Message-Authenticator required: silence', async () => {
    const peer = await server({ statusServer: false, requireMessageAuthenticator: true });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), {
      credentials: credentials(),
      timeoutMs: 600,
      options: { accessRequest: true },
    });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
  });

  it('sets a reply with the wrong Identifier aside (it answers another request) and takes the right one', async () => {
    const peer = await server({ wrongIdentifierFirst: true });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials() });
    expect(facts).toMatchObject({ state: 'open', reason: 'status-server-ok', evidence: { repliesToAnotherRequest: 1 } });
    expect(facts.evidence).not.toHaveProperty('datagramsIgnored');
  });

  it('replies with the wrong Identifier only: no reply to this request (no-response), noting that they arrived', async () => {
    const peer = await server({ wrongIdentifierOnly: true });
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { credentials: credentials(), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response', evidence: { repliesToAnotherRequest: 1 } });
    expect(facts.message).toContain('1 reply(ies) to another request arrived and were ignored');
  });

  it('closed port: ICMP port unreachable', async () => {
    const facts = await runProbe(radiusProbe, udpTarget(await closedUdpPort()), { credentials: credentials() });
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('no secret in the inventory: the server drops the probe, only closed could be told', async () => {
    const peer = await server();
    const facts = await runProbe(radiusProbe, udpTarget(peer.port), { timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    expect(facts.message).toContain('no RADIUS secret');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { startFreeradius, type FreeradiusHandle } from '../support/daemons/freeradius.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The radius probe against FreeRADIUS 3.2 in network namespaces: Status-Server on and off, a
 * wrong secret, an unknown client, and Message-Authenticator required. Debian 12's 3.2.1 sends no
 * Message-Authenticator in its replies, so the BlastRADIUS finding shows here. Its reject_delay
 * is 1 s, hence the longer deadlines where an Access-Reject is expected.
 */
const why = missing(netns, binary('/usr/sbin/freeradius'), binary('/usr/bin/radclient'));

describe.skipIf(why)(titleWith('radius probe against FreeRADIUS', why), () => {
  let lab: NetnsLab;
  let runner: string;
  /** Stock: Status-Server answered, the lab subnets are clients. */
  let rad: FreeradiusHandle;
  /** status_server = no. */
  let quiet: FreeradiusHandle;
  /** Knows only itself as a client: the prober is an unknown client. */
  let stranger: FreeradiusHandle;
  /** status_server = no and require_message_authenticator = yes. */
  let strict: FreeradiusHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'rad', 'quiet', 'stranger', 'strict'] });
    [runner, rad, quiet, stranger, strict] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startFreeradius(lab, 'rad'),
      startFreeradius(lab, 'quiet', { statusServer: false }),
      startFreeradius(lab, 'stranger', { clientSubnets: [`${lab.addr('stranger')}/32`] }),
      startFreeradius(lab, 'strict', { statusServer: false, requireMessageAuthenticator: true }),
    ]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (
    server: FreeradiusHandle,
    request: { port?: number; secret?: string; password?: string; accessRequest?: boolean; timeoutMs?: number } = {},
  ): Promise<ProbeFacts> => {
    const target: ProbeTarget = { host: server.host, address: server.address, port: request.port ?? server.authPort, transport: 'udp' };
    const body: ProbeRequest = {
      kind: 'radius',
      target,
      radius: {
        secret: request.secret ?? server.secret,
        probeUser: { username: server.probeUser.name, password: request.password ?? server.probeUser.password },
      },
      options: { accessRequest: request.accessRequest ?? false },
      timeoutMs: request.timeoutMs ?? 3000,
    };
    const result = await lab.runNode('prober', runner, [JSON.stringify(body)], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };
  const codes = (facts: ProbeFacts): string[] => (facts.findings ?? []).map((finding) => finding.code);

  it('Status-Server with the right secret; 3.2.1 replies without Message-Authenticator: BlastRADIUS finding', async () => {
    const facts = await probe(rad);
    expect(facts).toMatchObject({ state: 'open', reason: 'status-server-ok', evidence: { replyCode: 'Access-Accept', messageAuthenticator: 'absent' } });
    expect(codes(facts)).toEqual(['radius-no-message-authenticator']);
  });

  it('the accounting port answers Status-Server with Accounting-Response', async () => {
    const facts = await probe(rad, { port: rad.acctPort });
    expect(facts).toMatchObject({ state: 'open', reason: 'status-server-ok', evidence: { replyCode: 'Accounting-Response' } });
  });

  it('a wrong secret: the Status-Server is dropped, silence', async () => {
    const facts = await probe(rad, { secret: 'not-the-secret', timeoutMs: 1500 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
  });

  it('a wrong secret with accessRequest: the Access-Reject without MA does not verify', async () => {
    const facts = await probe(rad, { secret: 'not-the-secret', accessRequest: true, timeoutMs: 5000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'shared-secret-mismatch', evidence: { replyCode: 'Access-Reject' } });
    expect(rad.process.output()).toMatch(/shared secret/i);
  });

  it('accessRequest with the probe user: Access-Accept', async () => {
    const facts = await probe(rad, { accessRequest: true });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-accept' });
  });

  it('accessRequest with a wrong password: the verified Access-Reject proves server and secret', async () => {
    const facts = await probe(rad, { accessRequest: true, password: 'wrong-password', timeoutMs: 5000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-reject-ok', evidence: { replyCode: 'Access-Reject' } });
  });

  it('Status-Server disabled: silence without accessRequest', async () => {
    const facts = await probe(quiet, { timeoutMs: 1500 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
  });

  it('Status-Server disabled, accessRequest: the fallback shows the server up and that MA is not required', async () => {
    const facts = await probe(quiet, { accessRequest: true, timeoutMs: 4000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'access-accept' });
    expect(codes(facts).sort()).toEqual([
      'radius-no-message-authenticator',
      'radius-request-without-message-authenticator-accepted',
      'radius-status-server-silent',
    ]);
  });

  it('an unknown client: silence', async () => {
    const facts = await probe(stranger, { timeoutMs: 1500 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
    expect(stranger.process.output()).toMatch(/unknown client/i);
  });

  it('Message-Authenticator required and Status-Server off: even the fallback is dropped', async () => {
    const facts = await probe(strict, { accessRequest: true, timeoutMs: 3000 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
  });

  it('a port where nothing listens: closed', async () => {
    const facts = await probe(rad, { port: 1814 });
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });
});

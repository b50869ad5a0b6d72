import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oid, sequence, tlv } from '../../probes/protocols/snmp/ber.js';
import { PDU, readMessage, varbindNames, VERSION } from '../../probes/protocols/snmp/message.js';
import { USM_STATS } from '../../probes/protocols/snmp/oids.js';
import snmpProbe from '../../probes/snmp.js';
import type { HostCredentials, SnmpV3 } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import { AGENT_ENGINE_ID, AGENT_SYS_DESCR, type SnmpAgent, startSnmpAgent } from '../support/snmp-agent.js';
import { communityRequest, REPORT_ENGINE, v2cResponse as response, v3Report } from '../support/snmp-wire.js';
import { scriptedUdpPeer, type UdpPeer } from '../support/udp-peer.js';

const v2c = (community: string): HostCredentials => ({ snmp: { version: '2c', community: new Secret(community) } });
const v3 = (user: Omit<SnmpV3, 'version'>): HostCredentials => ({ snmp: { version: '3', ...user } });

const ELSA: snmp.User = {
  name: 'elsa',
  level: snmp.SecurityLevel.authPriv,
  authProtocol: snmp.AuthProtocols.sha,
  authKey: 'auth-key-elsa',
  privProtocol: snmp.PrivProtocols.aes,
  privKey: 'priv-key-elsa',
};
const ANNA: snmp.User = {
  name: 'anna',
  level: snmp.SecurityLevel.authNoPriv,
  authProtocol: snmp.AuthProtocols.sha256,
  authKey: 'auth-key-anna',
};
const OLAF: snmp.User = {
  name: 'olaf',
  level: snmp.SecurityLevel.authPriv,
  authProtocol: snmp.AuthProtocols.sha512,
  authKey: 'auth-key-olaf',
  privProtocol: snmp.PrivProtocols.aes256b,
  privKey: 'priv-key-olaf',
};
const elsa = (overrides: Partial<Omit<SnmpV3, 'version'>> = {}): HostCredentials =>
  v3({
    user: 'elsa',
    level: 'authPriv',
    authProtocol: 'sha',
    authKey: new Secret('auth-key-elsa'),
    privProtocol: 'aes',
    privKey: new Secret('priv-key-elsa'),
    ...overrides,
  });

describe('snmp probe against a net-snmp agent', () => {
  let agent: SnmpAgent;
  let guarded: SnmpAgent;
  beforeAll(async () => {
    agent = await startSnmpAgent({ community: 'right-community', users: [ELSA, ANNA, OLAF], sysName: 'ne-1.test' });
    guarded = await startSnmpAgent({ community: 'public', denied: { communities: ['no-view'] } });
  });
  afterAll(async () => {
    await Promise.all([agent.close(), guarded.close()]);
  });

  it('v2c with the right community: the system group', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), { credentials: v2c('right-community') });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response' });
    expect(facts.evidence).toMatchObject({
      version: '2c',
      sysDescr: AGENT_SYS_DESCR,
      sysName: 'ne-1.test',
      sysObjectID: '1.3.6.1.4.1.8072.3.2.10',
      sysUpTime: 4242,
    });
    expect(facts.timings.get).toBeGreaterThanOrEqual(0);
  });

  it('v2c with a wrong community: the v3 discovery shows the agent is up and ignores it', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), { credentials: v2c('wrong-community'), timeoutMs: 1000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'community-ignored', evidence: { engineId: AGENT_ENGINE_ID } });
    expect(JSON.stringify(facts)).not.toContain('wrong-community');
  });

  it('v2c without discovery on silence: plain no-reply', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), {
      credentials: v2c('wrong-community'),
      timeoutMs: 400,
      options: { discoverOnSilence: false },
    });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
  });

  it('no credentials: discovery only', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'not-tested-missing-credentials', evidence: { engineId: AGENT_ENGINE_ID } });
  });

  it('v3 authPriv SHA/AES with the right keys', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), { credentials: elsa() });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response', evidence: { version: '3', sysDescr: AGENT_SYS_DESCR, engineId: AGENT_ENGINE_ID } });
  });

  it('v3 authPriv SHA-512/AES-256 and authNoPriv SHA-256', async () => {
    const olaf = await runProbe(snmpProbe, udpTarget(agent.port), {
      credentials: v3({ user: 'olaf', level: 'authPriv', authProtocol: 'sha512', authKey: new Secret('auth-key-olaf'), privProtocol: 'aes256b', privKey: new Secret('priv-key-olaf') }),
    });
    expect(olaf).toMatchObject({ state: 'open', reason: 'snmp-response', evidence: { sysName: 'ne-1.test' } });
    const anna = await runProbe(snmpProbe, udpTarget(agent.port), {
      credentials: v3({ user: 'anna', level: 'authNoPriv', authProtocol: 'sha256', authKey: new Secret('auth-key-anna') }),
    });
    expect(anna).toMatchObject({ state: 'open', reason: 'snmp-response' });
  });

  // net-snmp's agent drops a message it cannot authenticate instead of sending a wrongDigest
  // Report (real snmpd reports it: see test/real); the probe still tells it from plain silence.
  it('v3 wrong auth key against an agent that drops it: discovery answered, GET not', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), {
      credentials: elsa({ authKey: new Secret('not-the-key') }),
      timeoutMs: 600,
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-v3-no-response', evidence: { engineId: AGENT_ENGINE_ID } });
  });

  it('v3 unknown user', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), { credentials: elsa({ user: 'hans' }) });
    expect(facts).toMatchObject({ state: 'open', reason: 'unknown-user', evidence: { engineId: AGENT_ENGINE_ID } });
  });

  it('v3 with less security than the user requires: the agent reports it', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(agent.port), {
      credentials: elsa({ level: 'authNoPriv', privProtocol: undefined, privKey: undefined }),
    });
    // net-snmp's agent answers this with usmStatsWrongDigests.
    expect(facts).toMatchObject({ state: 'open', reason: 'wrong-digest' });
  });

  it('v2c community without a view: authorization-error', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(guarded.port), { credentials: v2c('no-view') });
    expect(facts).toMatchObject({ state: 'open', reason: 'authorization-error' });
  });
});

describe('snmp probe on the transport and against hostile peers', () => {
  const peers: UdpPeer[] = [];
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
  });
  const peer = async (handler: Parameters<typeof scriptedUdpPeer>[0]): Promise<UdpPeer> => {
    const started = await scriptedUdpPeer(handler);
    peers.push(started);
    return started;
  };

  it('closed port: ICMP port unreachable', async () => {
    const facts = await runProbe(snmpProbe, udpTarget(await closedUdpPort()), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('silence to both the GET and the discovery; only GETs and the discovery were sent, never a SET', async () => {
    const silent = await peer(() => undefined);
    const facts = await runProbe(snmpProbe, udpTarget(silent.port), { credentials: v2c('public'), timeoutMs: 500 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    expect(silent.received).toHaveLength(2);
    expect(communityRequest(silent.received[0] as Buffer).pdu.type).toBe(PDU.get);
    const discovery = readMessage(silent.received[1] as Buffer);
    expect(discovery).toMatchObject({ version: VERSION.v3, pdu: { type: PDU.get } });
    expect(discovery?.pdu === undefined ? undefined : varbindNames(discovery.pdu)).toEqual([]);
  });

  it('ignores a reply with the wrong request id and takes the right one after it', async () => {
    const scripted = await peer((message, { reply }) => {
      reply(response(message, { requestId: 7 }));
      setTimeout(() => reply(response(message)), 20);
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response', evidence: { sysDescr: 'scripted', sysUpTime: 99, mismatchedReplies: 1 } });
    expect(facts.evidence?.datagramsIgnored).toBeUndefined();
  });

  it('a truncated reply is no answer: the port talks, but not valid SNMP', async () => {
    const scripted = await peer((message, { reply }) => reply(message.subarray(0, message.length - 3)));
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol', evidence: { datagramsIgnored: 2 } });
  });

  it('a reply from another source port never reaches the probe', async () => {
    const scripted = await peer((message, { replyFromOtherPort }) => replyFromOtherPort(response(message)));
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), {
      credentials: v2c('public'),
      timeoutMs: 400,
      options: { discoverOnSilence: false },
    });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    expect(facts.evidence?.datagramsIgnored).toBeUndefined();
  });

  it.each([
    ['1.3.6.1.6.3.15.1.1.1.0', 'unsupported-security-level'],
    ['1.3.6.1.6.3.15.1.1.2.0', 'not-in-time-window'],
    ['1.3.6.1.6.3.15.1.1.3.0', 'unknown-user'],
    ['1.3.6.1.6.3.15.1.1.4.0', 'unknown-engine-id'],
    ['1.3.6.1.6.3.15.1.1.5.0', 'wrong-digest'],
    ['1.3.6.1.6.3.15.1.1.6.0', 'decryption-error'],
  ])('a v3 Report naming %s gives %s', async (counter, reason) => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version !== VERSION.v3) return;
      const discovery = request.engineId.length === 0;
      reply(v3Report(request.msgId, request.pdu?.requestId ?? 0, discovery ? USM_STATS['unknown-engine-id'].oid : counter));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), {
      credentials: v3({ user: 'anna', level: 'authNoPriv', authProtocol: 'sha', authKey: new Secret('auth-key-anna') }),
    });
    expect(facts).toMatchObject({ state: 'open', reason, evidence: { engineId: REPORT_ENGINE } });
  });

  it('authorizationError in the response', async () => {
    const scripted = await peer((message, { reply }) => reply(response(message, { errorStatus: 16 })));
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'open', reason: 'authorization-error' });
  });

  it('a late GET answer after the discovery was sent still counts', async () => {
    // Answers the GET only when the discovery arrives, and never answers the discovery.
    const requests: Buffer[] = [];
    const scripted = await peer((message, { reply }) => {
      requests.push(message);
      if (requests.length === 2) reply(response(requests[0] as Buffer));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response' });
  });

  // Issue 16 item 19: a reply to another request is no reply to this one.
  it('a peer that answers every request with a wrong id: no reply, noting the mismatched replies', async () => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version === VERSION.v3) reply(v3Report(request.msgId + 1, request.pdu?.requestId ?? 0, USM_STATS['unknown-engine-id'].oid));
      else if (request !== undefined) reply(response(message, { requestId: request.pdu.requestId + 1 }));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply', evidence: { mismatchedReplies: 2 } });
    expect(facts.message).toContain('2 replies to another request id arrived and were ignored');
    expect(facts.evidence?.engineId).toBeUndefined();
  });

  it('v3: a discovery Report with a wrong msgID is no answer', async () => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version === VERSION.v3) reply(v3Report(request.msgId + 1, request.pdu?.requestId ?? 0, USM_STATS['unknown-engine-id'].oid));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: elsa(), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply', evidence: { mismatchedReplies: 1 } });
  });

  it('v3: discovery answered, the GET answered only with a wrong msgID: snmp-v3-no-response, noted', async () => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version !== VERSION.v3) return;
      const discovery = request.engineId.length === 0;
      reply(v3Report(request.msgId + (discovery ? 0 : 1), request.pdu?.requestId ?? 0, USM_STATS[discovery ? 'unknown-engine-id' : 'unknown-user'].oid));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), {
      credentials: v3({ user: 'anna', level: 'authNoPriv', authProtocol: 'sha', authKey: new Secret('auth-key-anna') }),
      timeoutMs: 400,
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-v3-no-response', evidence: { engineId: REPORT_ENGINE, mismatchedReplies: 1 } });
    expect(facts.message).toContain('1 reply to another request id arrived and was ignored');
  });

  // Before net-snmp read the replies, these were ignored until the deadline; now the reply to
  // this request is known to be wrong at once, and never taken for an answer.
  it('a reply with the right request id but another community is not valid: unexpected-protocol', async () => {
    const scripted = await peer((message, { reply }) => {
      if (readMessage(message)?.version === VERSION.v2c) reply(response(message, { community: 'someone-else' }));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol' });
    expect(facts.message).toMatch(/community/i);
  });

  it('an echo of the request is no answer: unexpected-protocol', async () => {
    const scripted = await peer((message, { reply }) => reply(message));
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol' });
  });

  it('a Response whose varbinds are not the ones asked for still proves the path, and says so', async () => {
    const scripted = await peer((message, { reply }) => reply(response(message, { varbinds: [] })));
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public') });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response' });
    expect(facts.message).toContain("the reply's varbinds do not match the request's");
  });

  it('a flood of replies to other requests stops at the byte budget', async () => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version !== VERSION.v2c) return;
      for (let i = 1; i <= 50; i += 1) reply(response(message, { requestId: request.pdu.requestId + i }));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public'), maxBytes: 1000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'response-too-large' });
    expect(facts.bytesRead).toBeLessThanOrEqual(1000);
  });

  // net-snmp arms a timer per request (later than the probe's deadline); a probe that ends on its
  // deadline must have it cancelled, or it keeps the process alive past the run.
  it('leaves no net-snmp timer behind when the deadline ends the probe', async () => {
    const silent = await peer(() => undefined);
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const v2cFacts = await runProbe(snmpProbe, udpTarget(silent.port), { credentials: v2c('public'), timeoutMs: 200, options: { discoverOnSilence: false } });
    const v3Facts = await runProbe(snmpProbe, udpTarget(silent.port), { credentials: elsa(), timeoutMs: 200 });
    expect([v2cFacts.reason, v3Facts.reason]).toEqual(['no-reply', 'no-reply']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('a reply net-snmp cannot decode (a value of an unknown type) is no answer: unexpected-protocol', async () => {
    const scripted = await peer((message, { reply }) => {
      const request = readMessage(message);
      if (request?.version !== VERSION.v2c) return;
      const names = varbindNames(request.pdu) ?? [];
      reply(response(message, { varbinds: names.map((name) => sequence(oid(name), tlv(0x49, Buffer.from([1])))) }));
    });
    const facts = await runProbe(snmpProbe, udpTarget(scripted.port), { credentials: v2c('public'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol', evidence: { datagramsIgnored: 1 } });
  });
});

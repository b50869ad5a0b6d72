import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDU, readMessage, VERSION } from '../../probes/protocols/snmp/message.js';
import { scalarInstance, SNMP_TRAP_OID, SYSTEM_GROUP } from '../../probes/protocols/snmp/oids.js';
import snmpInformProbe from '../../probes/snmp-inform.js';
import type { HostCredentials } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import { type SnmpReceiver, startSnmpReceiver } from '../support/snmp-agent.js';
import { v2cResponse } from '../support/snmp-wire.js';
import { scriptedUdpPeer, type UdpPeer } from '../support/udp-peer.js';

const v2c = (community: string): HostCredentials => ({ snmp: { version: '2c', community: new Secret(community) } });

describe('snmp-inform probe', () => {
  let receiver: SnmpReceiver;
  const peers: UdpPeer[] = [];
  beforeAll(async () => {
    receiver = await startSnmpReceiver('noc-community');
  });
  afterAll(async () => {
    await Promise.all([receiver.close(), ...peers.map((peer) => peer.close())]);
  });

  it('a receiver with the right community acknowledges the inform', async () => {
    const facts = await runProbe(snmpInformProbe, udpTarget(receiver.port), { credentials: v2c('noc-community') });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-acknowledged', evidence: { community: 'inventory' } });
    // What the NOC sees: sysUpTime.0, snmpTrapOID.0, then the text under the playpen arc.
    expect(receiver.notifications.at(-1)).toEqual([scalarInstance(SYSTEM_GROUP.sysUpTime), SNMP_TRAP_OID, '1.3.6.1.4.1.8072.9999.9999.2.0']);
  });

  it('a receiver that drops the community: silence, explained', async () => {
    const facts = await runProbe(snmpInformProbe, udpTarget(receiver.port), { credentials: v2c('other'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    expect(facts.message).toContain('only takes traps');
  });

  it('without inventory credentials it uses the fallback community option', async () => {
    const facts = await runProbe(snmpInformProbe, udpTarget(receiver.port), { options: { fallbackCommunity: 'noc-community' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-acknowledged', evidence: { community: 'fallbackCommunity option' } });
  });

  it('closed port: ICMP port unreachable', async () => {
    const facts = await runProbe(snmpInformProbe, udpTarget(await closedUdpPort()), { credentials: v2c('noc-community') });
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  const informPeer = async (answer: (message: Buffer, requestId: number, reply: (datagram: Buffer) => void) => void): Promise<UdpPeer> => {
    const peer = await scriptedUdpPeer((message, { reply }) => {
      const inform = readMessage(message);
      if (inform?.version === VERSION.v2c && inform.pdu.type === PDU.inform) answer(message, inform.pdu.requestId, reply);
    });
    peers.push(peer);
    return peer;
  };

  it('ignores a Response with another request id, then takes the right one', async () => {
    // The acknowledgements carry no varbinds (RFC 3416 §4.2.7 says they echo the inform's): still an acknowledgement.
    const peer = await informPeer((message, requestId, reply) => {
      reply(v2cResponse(message, { requestId: requestId + 1, varbinds: [] }));
      setTimeout(() => reply(v2cResponse(message, { varbinds: [] })), 20);
    });
    const facts = await runProbe(snmpInformProbe, udpTarget(peer.port), { credentials: v2c('noc-community') });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-acknowledged', evidence: { mismatchedReplies: 1 } });
    expect(facts.message).toContain("the reply's varbinds do not match the request's");
  });

  // Issue 16 item 19: a reply to another request is no reply to this one.
  it('a receiver that acknowledges only with a wrong request id: no reply, noted', async () => {
    const peer = await informPeer((message, requestId, reply) => reply(v2cResponse(message, { requestId: requestId + 1, varbinds: [] })));
    const facts = await runProbe(snmpInformProbe, udpTarget(peer.port), { credentials: v2c('noc-community'), timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply', evidence: { mismatchedReplies: 1, community: 'inventory' } });
    expect(facts.message).toContain('1 reply to another request id arrived and was ignored');
  });

  it('an error status in the acknowledgement', async () => {
    const peer = await informPeer((message, _requestId, reply) => reply(v2cResponse(message, { errorStatus: 5, varbinds: [] })));
    const facts = await runProbe(snmpInformProbe, udpTarget(peer.port), { credentials: v2c('noc-community') });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-error-status', evidence: { errorStatus: 'genErr' } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integer, octetString, sequence, tlv } from '../../probes/protocols/snmp/ber.js';
import { OIDS, parseV2c, PDU } from '../../probes/protocols/snmp/message.js';
import snmpInformProbe from '../../probes/snmp-inform.js';
import type { HostCredentials } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import { type SnmpReceiver, startSnmpReceiver } from '../support/snmp-agent.js';
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
    expect(receiver.notifications.at(-1)).toEqual([OIDS.sysUpTime, OIDS.snmpTrapOID, '1.3.6.1.4.1.8072.9999.9999.2.0']);
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

  it('ignores a Response with another request id', async () => {
    const peer = await scriptedUdpPeer((message, { reply }) => {
      const inform = parseV2c(message);
      if (inform?.type !== PDU.inform) return;
      const ack = (requestId: number): Buffer =>
        sequence(integer(1), octetString(inform.community), tlv(PDU.response, Buffer.concat([integer(requestId), integer(0), integer(0), sequence()])));
      reply(ack(inform.requestId + 1));
      setTimeout(() => reply(ack(inform.requestId)), 20);
    });
    peers.push(peer);
    const facts = await runProbe(snmpInformProbe, udpTarget(peer.port), { credentials: v2c('noc-community') });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-acknowledged', evidence: { datagramsIgnored: 1 } });
  });
});

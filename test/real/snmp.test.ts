import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { startSnmpd, type SnmpdHandle } from '../support/daemons/snmpd.js';
import { startSnmptrapd, type SnmptrapdHandle } from '../support/daemons/snmptrapd.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The snmp and snmp-inform probes against Net-SNMP's snmpd and snmptrapd in a network namespace.
 * Unlike net-snmp's JavaScript agent, snmpd answers a wrong v3 key with a Report, so each usmStats
 * reason is seen here as a real agent sends it.
 */
const why = missing(netns, binary('/usr/sbin/snmpd'), binary('/usr/sbin/snmptrapd'), binary('/usr/bin/snmpget'));

describe.skipIf(why)(titleWith('snmp and snmp-inform probes against snmpd and snmptrapd', why), () => {
  let lab: NetnsLab;
  let runner: string;
  let agent: SnmpdHandle;
  let trapd: SnmptrapdHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'ne'] });
    [runner, agent, trapd] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startSnmpd(lab, 'ne', { sysName: 'ne.lab' }),
      startSnmptrapd(lab, 'ne'),
    ]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (request: Omit<ProbeRequest, 'target'> & { port: number }): Promise<ProbeFacts> => {
    const { port, ...rest } = request;
    const target: ProbeTarget = { host: 'ne', address: lab.addr('ne'), port, transport: 'udp' };
    const result = await lab.runNode('prober', runner, [JSON.stringify({ ...rest, target })], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };
  const v3 = (overrides: Partial<Extract<NonNullable<ProbeRequest['snmp']>, { version: '3' }>> = {}): ProbeRequest['snmp'] => ({
    version: '3',
    user: agent.v3.user,
    level: 'authPriv',
    authProtocol: 'sha',
    authKey: agent.v3.authPassword,
    privProtocol: 'aes',
    privKey: agent.v3.privPassword,
    ...overrides,
  });

  it('v2c with the right community reads the system group', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: { version: '2c', community: agent.community } });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response', evidence: { version: '2c', sysName: 'ne.lab', sysDescr: agent.sysDescr } });
    expect(facts.evidence?.sysUpTime).toEqual(expect.any(Number));
  });

  it('v2c with a wrong community: community-ignored, with the engine ID snmpd reports', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: { version: '2c', community: 'not-it' }, timeoutMs: 2000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'community-ignored' });
    expect(facts.evidence?.engineId).toBe(agent.engineId);
  });

  it('no credentials: the discovery alone', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port });
    expect(facts).toMatchObject({ state: 'open', reason: 'not-tested-missing-credentials', evidence: { engineId: agent.engineId } });
  });

  it('v3 authPriv SHA/AES with the right keys', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: v3() });
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-response', evidence: { version: '3', sysName: 'ne.lab', engineId: agent.engineId } });
  });

  it('v3 wrong auth key: the Report says wrong digest', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: v3({ authKey: 'wrong-auth-pass' }) });
    expect(facts).toMatchObject({ state: 'open', reason: 'wrong-digest' });
  });

  it('v3 wrong privacy key', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: v3({ privKey: 'wrong-priv-pass' }), timeoutMs: 2000 });
    // RFC 3414 §3.2 step 8 counts usmStatsDecryptionErrors, but Net-SNMP 5.9.3 sends no Report
    // for it (seen here): the authenticated GET just goes unanswered after a good discovery.
    expect(facts).toMatchObject({ state: 'open', reason: 'snmp-v3-no-response', evidence: { engineId: agent.engineId } });
  });

  it('v3 unknown user', async () => {
    const facts = await probe({ kind: 'snmp', port: agent.port, snmp: v3({ user: 'nobody' }) });
    expect(facts).toMatchObject({ state: 'open', reason: 'unknown-user' });
  });

  it('v3 below the level the user is allowed (rouser ... priv, asked authNoPriv): VACM refuses', async () => {
    const facts = await probe({
      kind: 'snmp',
      port: agent.port,
      snmp: v3({ level: 'authNoPriv', privProtocol: undefined, privKey: undefined }),
    });
    expect(facts).toMatchObject({ state: 'open', reason: 'authorization-error' });
  });

  it('closed: no agent on the port', async () => {
    const facts = await probe({ kind: 'snmp', port: 1161, snmp: { version: '2c', community: agent.community } });
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('snmptrapd acknowledges an inform with its community, and logs the test OID', async () => {
    const facts = await probe({ kind: 'snmp-inform', port: trapd.port, snmp: { version: '2c', community: trapd.community } });
    expect(facts).toMatchObject({ state: 'open', reason: 'inform-acknowledged' });
    // snmptrapd without MIBs prints it as iso.3.6.1.4.1.8072.9999.9999.1.
    await trapd.waitForNotification(/8072\.9999\.9999\.1\b/);
  });

  it('snmptrapd with another community: no acknowledgement', async () => {
    const facts = await probe({ kind: 'snmp-inform', port: trapd.port, snmp: { version: '2c', community: 'not-it' }, timeoutMs: 1500 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
  });
});

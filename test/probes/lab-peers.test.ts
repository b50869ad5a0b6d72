import { afterEach, describe, expect, it } from 'vitest';
import ftp from '../../probes/ftp.js';
import http from '../../probes/http.js';
import mysql from '../../probes/mysql.js';
import telnet from '../../probes/telnet.js';
import tl1 from '../../probes/tl1.js';
import { startFtpPeer } from '../../src/lab/ftp-peer.js';
import { startHttpsPeer } from '../../src/lab/https-peer.js';
import { startMysqlPeer } from '../../src/lab/mysql-peer.js';
import { startTelnetPeer } from '../../src/lab/telnet-tl1-peer.js';
import type { PeerHandle } from '../../src/lab/types.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';

/**
 * The lab's simulated peers (src/lab) and the probes must agree: `psm-netcheck demo` runs one
 * against the other, so a drift between them shows here first.
 */

const LOOPBACK = { address: '127.0.0.1', port: 0 };
const handles: PeerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.close()));
});
async function started<T extends PeerHandle>(handle: Promise<T>): Promise<T> {
  const peer = await handle;
  handles.push(peer);
  return peer;
}

describe('probes against the lab peers', () => {
  it('ftp: greeting and QUIT; vsftpd OOPS', async () => {
    const good = await started(startFtpPeer(LOOPBACK));
    const oops = await started(startFtpPeer({ ...LOOPBACK, oops: true }));
    expect(await runProbe(ftp, tcpTarget(good.port))).toMatchObject({ reason: 'ftp-ok', evidence: { quitReply: 221 } });
    expect((await runProbe(ftp, tcpTarget(oops.port))).reason).toBe('ftp-misconfigured');
  });

  it('mysql: greeting, and each refusal', async () => {
    const good = await started(startMysqlPeer(LOOPBACK));
    expect(await runProbe(mysql, tcpTarget(good.port))).toMatchObject({
      reason: 'mysql-ok',
      evidence: { serverVersion: '8.0.36-lab', authPlugin: 'caching_sha2_password', tls: false },
    });
    for (const [errCode, reason] of [
      [1130, 'host-not-allowed'],
      [1129, 'host-blocked'],
      [1040, 'too-many-connections'],
    ] as const) {
      const refusing = await started(startMysqlPeer({ ...LOOPBACK, errCode }));
      expect((await runProbe(mysql, tcpTarget(refusing.port))).reason).toBe(reason);
    }
  });

  it('telnet: CLI login prompt', async () => {
    const cli = await started(startTelnetPeer({ ...LOOPBACK, mode: 'cli', sid: 'NE7' }));
    expect(await runProbe(telnet, tcpTarget(cli.port))).toMatchObject({
      reason: 'telnet-ok',
      evidence: { prompt: true, options: ['DO TTYPE', 'WILL ECHO', 'WILL SGA'] },
    });
  });

  it('tl1: COMPLD and DENY PLNA', async () => {
    const agent = await started(startTelnetPeer({ ...LOOPBACK, mode: 'tl1', sid: 'NE7' }));
    const denying = await started(startTelnetPeer({ ...LOOPBACK, mode: 'tl1', sid: 'NE8', deny: true }));
    expect(await runProbe(tl1, tcpTarget(agent.port))).toMatchObject({ reason: 'tl1-ok', evidence: { sid: 'NE7', responseCode: 'COMPLD' } });
    expect(await runProbe(tl1, tcpTarget(denying.port))).toMatchObject({ reason: 'tl1-denied-ok', evidence: { errorCode: 'PLNA' } });
  });

  it('http: HTTPS with a self-signed certificate, and an expired one', async () => {
    const good = await started(startHttpsPeer(LOOPBACK));
    const expired = await started(startHttpsPeer({ ...LOOPBACK, expired: true }));
    const options = { scheme: 'https' as const };
    expect(await runProbe(http, tcpTarget(good.port), { options })).toMatchObject({
      reason: 'http-ok',
      evidence: { server: 'PSM-REST', certSelfSigned: true, certHostnameMatch: true },
    });
    expect((await runProbe(http, tcpTarget(expired.port), { options })).reason).toBe('cert-expired');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts } from '../../src/core/probe.js';
import { startVsftpd, type VsftpdHandle } from '../support/daemons/vsftpd.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The ftp probe against Debian's vsftpd in a network namespace: a working server (220, QUIT,
 * 221) and one whose configuration disables every login, which vsftpd reports at connect as
 * "500 OOPS" (up but misconfigured).
 */

const why = missing(netns, binary('/usr/sbin/vsftpd'));

describe.skipIf(why)(titleWith('ftp probe against vsftpd', why), () => {
  let lab: NetnsLab;
  let runner: string;
  let good: VsftpdHandle;
  let broken: VsftpdHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'ftp1', 'ftp2'] });
    [runner, good, broken] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startVsftpd(lab, 'ftp1'),
      startVsftpd(lab, 'ftp2', { variant: 'oops' }),
    ]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (host: string, port: number): Promise<ProbeFacts> => {
    const request: ProbeRequest = { kind: 'ftp', target: { host, address: lab.addr(host), port, transport: 'tcp' } };
    const result = await lab.runNode('prober', runner, [JSON.stringify(request)], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };

  it('reads the 220 greeting and gets 221 to QUIT', async () => {
    const facts = await probe('ftp1', good.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'ftp-ok', evidence: { code: 220, greeting: `220 ${good.banner}`, quitReply: 221 } });
  });

  it('reports "500 OOPS" at connect as ftp-misconfigured, with the reason vsftpd gives', async () => {
    const facts = await probe('ftp2', broken.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'ftp-misconfigured' });
    expect(facts.message).toContain('both local and anonymous access disabled');
  });
});

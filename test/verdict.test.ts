import { describe, expect, it } from 'vitest';
import type { ProbeFacts } from '../src/core/probe.js';
import type { Expectation, TransportState, Verdict } from '../src/core/model.js';
import { TRANSPORT_REASONS } from '../src/core/transport-reasons.js';
import type { ReasonCatalogue } from '../src/core/reasons.js';
import { judge } from '../src/verdict/judge.js';

const REASONS: ReasonCatalogue = {
  ...TRANSPORT_REASONS,
  'ssh-ok': { outcome: 'ok', summary: 'SSH server answered' },
  'auth-failed': { outcome: 'fail', summary: 'credentials refused' },
};

const facts = (state: TransportState, reason: string, extra: Partial<ProbeFacts> = {}): ProbeFacts => ({
  state,
  reason,
  timings: { total: 1 },
  ...extra,
});

describe('verdicts compare facts with the expected matrix', () => {
  const table: [Expectation, ProbeFacts, Verdict][] = [
    ['open', facts('open', 'connected'), 'pass'],
    ['open', facts('open', 'ssh-ok'), 'pass'],
    ['open', facts('open', 'auth-failed'), 'fail'],
    ['open', facts('open', 'not-tested-missing-credentials'), 'warn'],
    ['open', facts('closed', 'refused'), 'fail'],
    ['open', facts('filtered', 'timeout'), 'fail'],
    ['open', facts('unresolved', 'dns-not-found'), 'fail'],
    ['open', facts('open|filtered', 'no-reply'), 'warn'],
    ['open', facts('error', 'too-many-open-files'), 'fail'],
    ['open', facts('error', 'aborted'), 'skip'],
    ['open', facts('open', 'made-up-code'), 'fail'],
    ['open', facts('open', 'ssh-ok', { findings: [{ code: 'x', severity: 'warn', message: 'weak' }] }), 'warn'],
    ['open', facts('open', 'ssh-ok', { findings: [{ code: 'x', severity: 'info', message: 'fyi' }] }), 'pass'],
    ['open', facts('open', 'ssh-ok', { findings: [{ code: 'x', severity: 'fail', message: 'bad' }] }), 'fail'],
    ['reachable', facts('closed', 'refused'), 'pass'],
    ['reachable', facts('closed', 'port-unreachable'), 'pass'],
    ['reachable', facts('open', 'connected'), 'pass'],
    ['reachable', facts('filtered', 'timeout'), 'fail'],
    ['reachable', facts('open|filtered', 'no-reply'), 'warn'],
    ['closed', facts('closed', 'refused'), 'pass'],
    ['closed', facts('filtered', 'timeout'), 'pass'],
    ['closed', facts('open', 'connected'), 'fail'],
    ['closed', facts('open|filtered', 'no-reply'), 'warn'],
    ['closed', facts('unresolved', 'dns-not-found'), 'fail'],
  ];

  it.each(table)('expected %s, observed %o -> %s', (expected, observed, verdict) => {
    const judgement = judge(expected, observed, REASONS);
    expect(judgement.verdict).toBe(verdict);
    expect(judgement.message.length).toBeGreaterThan(0);
    expect(judgement.message).not.toContain('\n');
    // The state and reason code have their own fields in every report: the words never repeat them.
    expect(judgement.message).not.toContain(`${observed.state} (${observed.reason}`);
  });

  it('says why, with the probe detail, when a path fails', () => {
    const { message } = judge('open', facts('closed', 'refused', { message: 'ECONNREFUSED' }), REASONS);
    expect(message).toBe(
      'connection refused (RST or ICMP port unreachable): nothing listens, or a firewall rejects - ECONNREFUSED',
    );
  });

  it('names the findings of a warning', () => {
    const { message } = judge(
      'open',
      facts('open', 'ssh-ok', { findings: [{ code: 'weak', severity: 'warn', message: 'reply without Message-Authenticator' }] }),
      REASONS,
    );
    expect(message).toContain('reply without Message-Authenticator');
  });
});

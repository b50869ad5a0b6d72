import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { BannerExchange, stepEndFacts, streamEnded, type ExpectStep, type Step, type StepResult } from './kit/banner-exchange.js';
import { printable } from './kit/printable.js';
import { tcpProbe } from './kit/tcp-probe.js';
import { plainTextChannel } from './kit/text-channel.js';
import { firstLine, FTP_REPLY, NOT_FTP, parseFtpReply, PRELIMINARY, type FtpReply } from './protocols/ftp/reply.js';
import { defineProbe, type Evidence, type Outcome, type ReasonOf } from '../src/core/probe.js';

const reasons = defineReasons({
  'ftp-ok': { outcome: 'ok', summary: 'the FTP server greeted with 220' },
  'ftp-unavailable': {
    outcome: 'fail',
    summary: 'the FTP server answered 421: service not available (too many users, per-host limit, or shutting down)',
  },
  'ftp-misconfigured': {
    outcome: 'fail',
    summary: 'the FTP server is up but its configuration is broken ("500 OOPS" at connect, as vsftpd reports)',
  },
  'ftp-delayed': {
    outcome: 'warn',
    retryable: true,
    summary: 'the FTP server answered 120 (ready in a while) and gave no 220 before the deadline',
  },
  'ftp-unexpected-reply': {
    outcome: 'fail',
    summary: 'the FTP server greeted with a code other than 220, 120 or 421 (see evidence)',
  },
});

const optionsSchema = z
  .object({
    quit: z
      .boolean()
      .default(true)
      .describe('After the 220 greeting send QUIT and wait for 221, so the server logs an orderly session end; false closes with FIN at once'),
  })
  .strict();

type Reason = ReasonOf<typeof reasons>;

/** RFC 959 allows a 120 ("ready in nnn minutes") before the 220; more than a few is not FTP. */
const GREETING: ExpectStep = { expect: FTP_REPLY, reject: NOT_FTP, skip: PRELIMINARY, maxSkips: 3, phase: 'greeting' };
const QUIT: readonly Step[] = [{ send: 'QUIT\r\n' }, { expect: FTP_REPLY, reject: NOT_FTP, phase: 'quit' }];

/**
 * FTP (RFC 959 §5.4): the server speaks first with 220, or 120 then 220, or 421. The probe reads
 * the greeting, sends QUIT and expects 221. It never sends USER or PASS: a greeting proves the
 * service without touching any account.
 */
const ftpProbe = defineProbe({
  kind: 'ftp',
  transport: 'tcp',
  summary: 'FTP greeting (220 / 120+220 / 421 / 500 OOPS), then QUIT; never logs in',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    tcpProbe(target, ctx, { port: 21 }, async (conn) => {
      const exchange = new BannerExchange(plainTextChannel(conn), conn.clock, conn.signal);
      const greeting = await exchange.expect(GREETING);
      const base: Evidence = greeting.skipped.length > 0 ? { preliminary: printable(greeting.skipped.join('\n')) } : {};
      if (greeting.end !== 'matched') return unfinished(greeting, base);

      const facts = classifyGreeting(parseFtpReply(greeting.text), base);
      if (facts.reason !== 'ftp-ok' || !ctx.options.quit) return facts;
      const quit = await exchange.run(QUIT);
      const quitReply = quit.end === 'matched' ? parseFtpReply(quit.text).code : null;
      return { ...facts, evidence: { ...facts.evidence, quitReply } };
    }),
});

export default ftpProbe;

// ---- helpers ----

function classifyGreeting(reply: FtpReply, base: Evidence): Outcome<Reason> {
  const evidence: Evidence = { ...base, code: reply.code, greeting: printable(reply.lines.join('\n')) };
  if (reply.code === 220) return { state: 'open', reason: 'ftp-ok', evidence };
  if (reply.code === 421) {
    return { state: 'open', reason: 'ftp-unavailable', message: printable(reply.lines[0] ?? '', 120), evidence };
  }
  // vsftpd's die() writes "500 OOPS: <why>" and closes: the daemon runs but cannot serve.
  if (reply.code === 500 && /^500[ -]OOPS/.test(reply.lines[0] ?? '')) {
    return { state: 'open', reason: 'ftp-misconfigured', message: printable(reply.lines.join('\n'), 160), evidence };
  }
  return {
    state: 'open',
    reason: 'ftp-unexpected-reply',
    message: `greeting code ${reply.code}: ${printable(reply.lines[0] ?? '', 120)}`,
    evidence,
  };
}

/**
 * A greeting that did not complete. An unfinished reply is no reply, whatever its code: a `220-`
 * block without its `220 ` line (a stalled or hostile server) never passes. What arrived of it is
 * kept as evidence.
 */
function unfinished(greeting: StepResult, base: Evidence): Outcome<Reason> {
  if (streamEnded(greeting)) {
    if (greeting.end === 'timeout' && greeting.bytes === 0 && greeting.skipped.length > 0) {
      return { state: 'open', reason: 'ftp-delayed', message: 'got 120 but no 220 before the deadline', evidence: base };
    }
    const partial: Evidence = greeting.text === '' ? {} : { greeting: printable(greeting.text) };
    return { ...stepEndFacts(greeting, 'greeting'), evidence: { ...base, ...partial } };
  }
  const line = printable(firstLine(greeting.text), 120);
  return { state: 'open', reason: 'unexpected-protocol', message: 'the greeting is no FTP reply', evidence: { ...base, firstLine: line } };
}

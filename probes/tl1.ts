import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { BannerExchange, completed, type StepResult } from './kit/banner-exchange.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { tcpProbe } from './kit/tcp-probe.js';
import { PROMPT_AT_END, TelnetSession } from './protocols/telnet/negotiation.js';
import { findTl1Acknowledgment, findTl1Response } from './protocols/tl1/response.js';
import { defineProbe, type Evidence, type Outcome, type ReasonOf } from '../src/core/probe.js';

const reasons = defineReasons({
  'tl1-ok': { outcome: 'ok', summary: 'a TL1 agent answered RTRV-HDR (COMPLD, or another TL1 response or acknowledgment)' },
  'tl1-denied-ok': {
    outcome: 'ok',
    summary: 'a TL1 agent answered RTRV-HDR with DENY (e.g. PLNA, login not active): the agent is live, it wants ACT-USER first',
  },
  'tl1-no-response': {
    outcome: 'fail',
    retryable: true,
    summary: 'the port is open but no TL1 response to RTRV-HDR came before the deadline: no TL1 agent behind it, or a hung one',
  },
  'tl1-closed': {
    outcome: 'fail',
    summary: 'the peer closed the connection without a TL1 response (session limit, access list, or no TL1 agent)',
  },
  'tl1-not-queried': {
    outcome: 'warn',
    summary: 'connected, but TL1 was not queried (sendRtrvHdr is false): the agent itself is unverified',
  },
});

type Reason = ReasonOf<typeof reasons>;

const optionsSchema = z
  .object({
    sendRtrvHdr: z
      .boolean()
      .default(true)
      .describe('Send RTRV-HDR and wait for its response (read-only, works before login); false only listens for a greeting'),
    tid: z
      .string()
      .regex(/^[A-Za-z0-9-]{0,20}$/)
      .default('')
      .describe('Target identifier in RTRV-HDR; empty addresses whichever NE answers on this port'),
    ctag: z
      .string()
      .regex(/^[A-Za-z0-9]{1,6}$/)
      .default('1')
      .describe('Correlation tag of RTRV-HDR; the response line "M  <ctag> ..." is matched on it'),
    greetingQuietMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(300)
      .describe('Milliseconds of silence to wait for a banner or prompt before sending RTRV-HDR (a prompt ends the wait at once)'),
  })
  .strict();

/**
 * TL1 on an NE (raw 3082, telnet 3083): negotiation is refused as in the telnet probe (the code is
 * shared; a raw TL1 port simply never sends IAC), then `RTRV-HDR:<tid>::<ctag>;` goes out. Before
 * login an agent answers COMPLD or DENY PLNA, depending on the vendor; either proves a live agent
 * (shared notes, TL1). The probe never sends ACT-USER: lockout rules are vendor-specific.
 */
const tl1Probe = defineProbe({
  kind: 'tl1',
  transport: 'tcp',
  summary: 'TL1 agent: RTRV-HDR answered with COMPLD or DENY (both prove a live agent); never logs in',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    tcpProbe(target, ctx, { port: 3083 }, async (conn) => {
      const session = new TelnetSession(conn);
      const exchange = new BannerExchange(session, conn.clock, conn.signal);
      const { ctag, tid } = ctx.options;

      // A banner or prompt, or a quiet spell: then the agent is ready for a command.
      const greetingRead = await exchange.expect({ expect: PROMPT_AT_END, reject: /^SSH-/, quietMs: ctx.options.greetingQuietMs, phase: 'greeting' });
      const greeting = greetingRead.text;
      const evidence = (rest: Outcome<Reason>): Outcome<Reason> => ({
        ...rest,
        evidence: { options: [...session.negotiation], ...(greeting.trim() === '' ? {} : { greeting: printable(greeting, 256) }), ...rest.evidence },
      });

      const notTl1 = notTl1Facts(session, greetingRead);
      if (notTl1) return evidence(notTl1);
      if (!completed(greetingRead)) return evidence(ended(greetingRead, session, 'greeting'));
      if (!ctx.options.sendRtrvHdr) return evidence({ state: 'open', reason: 'tl1-not-queried' });

      // CR LF after the ";": a telnet server in NVT line mode passes input on per line.
      const responseRead = await exchange.run([
        { send: `RTRV-HDR:${tid}::${ctag};\r\n` },
        { expect: (text) => (findTl1Response(text, ctag)?.complete === true ? text.length : -1), reject: /^SSH-/, phase: 'response' },
      ]);
      const reply = responseRead.text;
      const replyEvidence: Evidence = reply.trim() === '' ? {} : { reply: printable(reply, 512) };
      const notTl1After = notTl1Facts(session, responseRead);
      if (notTl1After) return evidence({ ...notTl1After, evidence: replyEvidence });

      // A response line without its terminator (cut off by the deadline or a close) still proves the agent.
      const response = findTl1Response(reply, ctag);
      if (response) {
        return evidence({
          state: 'open',
          reason: response.code === 'DENY' ? 'tl1-denied-ok' : 'tl1-ok',
          evidence: {
            ...replyEvidence,
            responseCode: response.code,
            ...(response.sid === undefined ? {} : { sid: response.sid, date: response.date ?? '', time: response.time ?? '' }),
            ...(response.errorCode === undefined ? {} : { errorCode: response.errorCode }),
          },
        });
      }
      const acknowledgment = findTl1Acknowledgment(reply, ctag);
      if (acknowledgment !== undefined) {
        return evidence({
          state: 'open',
          reason: 'tl1-ok',
          message: `acknowledgment "${acknowledgment}" but no response before the ${responseRead.end === 'timeout' ? 'deadline' : 'end'}`,
          evidence: { ...replyEvidence, acknowledgment },
        });
      }
      return evidence({ ...ended(responseRead, session, 'TL1 response'), evidence: replyEvidence });
    }),
});

export default tl1Probe;

// ---- helpers ----

function notTl1Facts(session: TelnetSession, read: StepResult): Outcome<Reason> | undefined {
  if (session.violation !== undefined) {
    return { state: 'open', reason: 'unexpected-protocol', message: `not telnet or TL1: ${session.violation}` };
  }
  if (read.end === 'mismatch') return { state: 'open', reason: 'unexpected-protocol', message: 'an SSH server answered' };
  return undefined;
}

/** Facts for a read that ended without the awaited TL1 exchange. */
function ended(read: StepResult, session: TelnetSession, what: string): Outcome<Reason> {
  switch (read.end) {
    case 'matched':
    case 'quiet':
    case 'mismatch':
    case 'timeout':
      return { state: 'open', reason: 'tl1-no-response', message: `no ${what} before the deadline` };
    case 'eof':
      return session.bytesRead > 0
        ? { state: 'open', reason: 'tl1-closed', message: `closed before the ${what}` }
        : readEndFacts('eof', what);
    default:
      return readEndFacts(read.end, what, read.errorCode);
  }
}

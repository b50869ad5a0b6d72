import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { PhaseClock } from '../src/core/clock.js';
import { closeAfter } from './kit/close.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { connectFailureFacts, connectTcp } from './kit/tcp-connect.js';
import { endsWithPrompt, TelnetSession, type TelnetEnd } from './protocols/telnet/negotiation.js';
import { findTl1Acknowledgment, findTl1Response } from './protocols/tl1/response.js';
import { defineProbe, type Evidence, type ProbeFacts } from '../src/core/probe.js';

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
  async run(target, ctx) {
    const clock = new PhaseClock();
    const connected = await connectTcp(target.address, target.port ?? 3083, ctx.signal, clock);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    const socket = connected.socket;
    const session = new TelnetSession(socket, ctx.maxBytes);
    const { ctag, tid } = ctx.options;

    const greetingEnd = await session.read(ctx.signal, {
      until: (text) => endsWithPrompt(text),
      quietMs: ctx.options.greetingQuietMs,
    });
    clock.mark('greeting');
    const greeting = session.text;
    const evidence = (): Evidence => ({
      options: [...session.negotiation],
      ...(greeting.trim() === '' ? {} : { greeting: printable(greeting, 256) }),
    });
    const facts = (rest: Omit<ProbeFacts, 'timings' | 'bytesRead'>): ProbeFacts => {
      closeAfter(socket, session.bytesRead, ctx.maxBytes);
      return { ...rest, evidence: { ...evidence(), ...rest.evidence }, timings: clock.done(), bytesRead: session.bytesRead };
    };

    const notTl1 = notTl1Facts(session);
    if (notTl1) return facts(notTl1);
    if (greetingEnd !== 'matched' && greetingEnd !== 'quiet') return facts(ended(greetingEnd, session, 'greeting'));
    if (!ctx.options.sendRtrvHdr) return facts({ state: 'open', reason: 'tl1-not-queried' });

    // CR LF after the ";": a telnet server in NVT line mode passes input on per line.
    session.send(`RTRV-HDR:${tid}::${ctag};\r\n`);
    const sentAt = greeting.length;
    const answered = (text: string): boolean => findTl1Response(text.slice(sentAt), ctag)?.complete === true;
    const responseEnd = await session.read(ctx.signal, { until: answered });
    clock.mark('response');

    const reply = session.text.slice(sentAt);
    const replyEvidence: Evidence = reply.trim() === '' ? {} : { reply: printable(reply, 512) };
    const notTl1After = notTl1Facts(session);
    if (notTl1After) return facts({ ...notTl1After, evidence: replyEvidence });

    // A response line without its terminator (cut off by the deadline or a close) still proves the agent.
    const response = findTl1Response(reply, ctag);
    if (response) {
      return facts({
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
      return facts({
        state: 'open',
        reason: 'tl1-ok',
        message: `acknowledgment "${acknowledgment}" but no response before the ${responseEnd === 'timeout' ? 'deadline' : 'end'}`,
        evidence: { ...replyEvidence, acknowledgment },
      });
    }
    return facts({ ...ended(responseEnd, session, 'TL1 response'), evidence: replyEvidence });
  },
});

export default tl1Probe;

// ---- helpers ----

function notTl1Facts(session: TelnetSession): Omit<ProbeFacts, 'timings'> | undefined {
  if (session.violation !== undefined) {
    return { state: 'open', reason: 'unexpected-protocol', message: `not telnet or TL1: ${session.violation}` };
  }
  if (session.text.startsWith('SSH-')) return { state: 'open', reason: 'unexpected-protocol', message: 'an SSH server answered' };
  return undefined;
}

/** Facts for a read that ended without the awaited TL1 exchange. */
function ended(end: TelnetEnd, session: TelnetSession, what: string): Omit<ProbeFacts, 'timings'> {
  switch (end) {
    case 'matched':
    case 'quiet':
    case 'timeout':
      return { state: 'open', reason: 'tl1-no-response', message: `no ${what} before the deadline` };
    case 'eof':
      return session.bytesRead > 0
        ? { state: 'open', reason: 'tl1-closed', message: `closed before the ${what}` }
        : readEndFacts('eof', what);
    default:
      return readEndFacts(end, what, session.errorCode);
  }
}

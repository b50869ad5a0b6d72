import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { BannerExchange, type ExpectStep, type StepResult } from './kit/banner-exchange.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { tcpProbe } from './kit/tcp-probe.js';
import { endsWithPrompt, PROMPT_AT_END, TelnetSession } from './protocols/telnet/negotiation.js';
import { defineProbe, type Evidence, type Outcome, type ReasonOf } from '../src/core/probe.js';

const reasons = defineReasons({
  'telnet-ok': { outcome: 'ok', summary: 'the telnet server sent its banner or login prompt' },
  'telnet-negotiation-only': {
    outcome: 'warn',
    retryable: true,
    summary: 'the server negotiated telnet options but sent no text before the deadline',
  },
  'telnet-closed': {
    outcome: 'fail',
    summary: 'the server sent text or negotiation and then closed before a prompt (often a refusal: session limit, access list)',
  },
});

type Reason = ReasonOf<typeof reasons>;

const optionsSchema = z
  .object({
    quietMs: z
      .number()
      .int()
      .min(50)
      .max(10_000)
      .default(500)
      .describe('Milliseconds of silence after the last text before the banner counts as complete; a prompt (login:, Password:, >, #, $) ends the wait at once'),
  })
  .strict();

/** The banner up to a prompt, or to a quiet spell once text came; an SSH server proves another protocol. */
const banner = (quietMs: number): ExpectStep => ({ expect: PROMPT_AT_END, reject: /^SSH-/, quietMs, quietAfterText: true, phase: 'banner' });

/**
 * Telnet CLI (BTI700/800 on 23, BTI7000 on 3084): reads the banner and the prompt, refusing every
 * option the server negotiates, and sends nothing else. Never types a user name.
 */
const telnetProbe = defineProbe({
  kind: 'telnet',
  transport: 'tcp',
  summary: 'Telnet banner and prompt, refusing every option; never logs in',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    tcpProbe(target, ctx, { port: 23 }, async (conn) => {
      const session = new TelnetSession(conn);
      const read = await new BannerExchange(session, conn.clock, conn.signal).expect(banner(ctx.options.quietMs));
      conn.close();
      const text = session.text;
      const evidence: Evidence = {
        banner: printable(text, 512),
        options: [...session.negotiation],
        prompt: endsWithPrompt(text),
      };
      return { ...bannerFacts(read, session), evidence };
    }),
});

export default telnetProbe;

// ---- helpers ----

function bannerFacts(read: StepResult, session: TelnetSession): Omit<Outcome<Reason>, 'evidence'> {
  if (session.violation !== undefined) {
    return { state: 'open', reason: 'unexpected-protocol', message: `not telnet: ${session.violation}` };
  }
  const spoke = session.text.trim().length > 0;
  switch (read.end) {
    case 'mismatch':
      return { state: 'open', reason: 'unexpected-protocol', message: 'an SSH server answered' };
    case 'matched':
      return { state: 'open', reason: 'telnet-ok' };
    case 'quiet':
      // Quiet after blank lines only: nothing that identifies the service either.
      return { state: 'open', reason: spoke ? 'telnet-ok' : 'telnet-negotiation-only' };
    case 'timeout':
      if (spoke) return { state: 'open', reason: 'telnet-ok', message: 'no prompt before the deadline' };
      if (session.negotiation.length > 0) return { state: 'open', reason: 'telnet-negotiation-only' };
      return readEndFacts('timeout', 'banner');
    case 'eof':
      if (spoke || session.negotiation.length > 0) {
        return { state: 'open', reason: 'telnet-closed', message: `closed after: ${printable(session.text, 120) || 'negotiation only'}` };
      }
      return readEndFacts('eof', 'banner');
    default:
      return readEndFacts(read.end, 'banner', read.errorCode);
  }
}

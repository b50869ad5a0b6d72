import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { PhaseClock } from '../src/core/clock.js';
import { closeAfter } from './kit/close.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { connectFailureFacts, connectTcp } from './kit/tcp-connect.js';
import { endsWithPrompt, TelnetSession } from './protocols/telnet/negotiation.js';
import { defineProbe, type Evidence, type ProbeFacts } from '../src/core/probe.js';

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
  async run(target, ctx) {
    const clock = new PhaseClock();
    const connected = await connectTcp(target.address, target.port ?? 23, ctx.signal, clock);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    const socket = connected.socket;
    const session = new TelnetSession(socket, ctx.maxBytes);

    const end = await session.read(ctx.signal, {
      until: (text) => endsWithPrompt(text) || text.startsWith('SSH-'),
      quietMs: ctx.options.quietMs,
      quietAfterText: true,
    });
    clock.mark('banner');
    closeAfter(socket, session.bytesRead, ctx.maxBytes);

    const text = session.text;
    const evidence: Evidence = {
      banner: printable(text, 512),
      options: [...session.negotiation],
      prompt: endsWithPrompt(text),
    };
    const facts = (rest: Omit<ProbeFacts, 'timings' | 'bytesRead' | 'evidence'>): ProbeFacts => ({
      ...rest,
      evidence,
      timings: clock.done(),
      bytesRead: session.bytesRead,
    });

    if (session.violation !== undefined) {
      return facts({ state: 'open', reason: 'unexpected-protocol', message: `not telnet: ${session.violation}` });
    }
    if (text.startsWith('SSH-')) {
      return facts({ state: 'open', reason: 'unexpected-protocol', message: 'an SSH server answered' });
    }
    const spoke = text.trim().length > 0;
    switch (end) {
      case 'matched':
        return facts({ state: 'open', reason: 'telnet-ok' });
      case 'quiet':
        // Quiet after blank lines only: nothing that identifies the service either.
        return facts({ state: 'open', reason: spoke ? 'telnet-ok' : 'telnet-negotiation-only' });
      case 'timeout':
        if (spoke) return facts({ state: 'open', reason: 'telnet-ok', message: 'no prompt before the deadline' });
        if (session.negotiation.length > 0) return facts({ state: 'open', reason: 'telnet-negotiation-only' });
        return facts(readEndFacts(end, 'banner'));
      case 'eof':
        if (spoke || session.negotiation.length > 0) {
          return facts({ state: 'open', reason: 'telnet-closed', message: `closed after: ${printable(text, 120) || 'negotiation only'}` });
        }
        return facts(readEndFacts(end, 'banner'));
      default:
        return facts(readEndFacts(end, 'banner', session.errorCode));
    }
  },
});

export default telnetProbe;

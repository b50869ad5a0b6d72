import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { BoundedReader } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import { closeAfter } from './kit/close.js';
import { readFtpReply, type FtpReply } from './protocols/ftp/reply.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { connectFailureFacts, connectTcp } from './kit/tcp-connect.js';
import { defineProbe, type Evidence, type ProbeFacts } from '../src/core/probe.js';

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

/** RFC 959 allows a 120 ("ready in nnn minutes") before the 220; more than a few is not FTP. */
const MAX_PRELIMINARY = 3;

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
  async run(target, ctx) {
    const clock = new PhaseClock();
    const connected = await connectTcp(target.address, target.port ?? 21, ctx.signal, clock);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    const socket = connected.socket;
    const reader = new BoundedReader(socket, ctx.maxBytes);
    const finish = (facts: Omit<ProbeFacts, 'timings' | 'bytesRead'>): ProbeFacts => {
      closeAfter(socket, reader.bytesRead, ctx.maxBytes);
      return { ...facts, timings: clock.done(), bytesRead: reader.bytesRead };
    };

    const preliminary: string[] = [];
    let greeting: FtpReply = await readFtpReply(reader, ctx.signal);
    while (greeting.kind === 'reply' && greeting.code === 120 && preliminary.length < MAX_PRELIMINARY) {
      preliminary.push(...greeting.lines);
      greeting = await readFtpReply(reader, ctx.signal);
    }
    clock.mark('greeting');
    const base: Evidence = preliminary.length > 0 ? { preliminary: printable(preliminary.join('\n')) } : {};

    if (greeting.kind === 'end') {
      const partial = partialReply(greeting);
      if (partial) return finish(classifyGreeting(partial, base, 'the greeting was cut off'));
      if (greeting.end === 'timeout' && preliminary.length > 0) {
        return finish({ state: 'open', reason: 'ftp-delayed', message: 'got 120 but no 220 before the deadline', evidence: base });
      }
      if (greeting.end === 'eof' && greeting.lines.length > 0) return finish(notFtp(greeting.lines[0] ?? '', base));
      return finish({ ...readEndFacts(greeting.end, 'greeting', greeting.errorCode), evidence: base });
    }
    if (greeting.kind === 'malformed') return finish(notFtp(greeting.line, base));

    const facts = classifyGreeting(greeting, base);
    if (greeting.code !== 220 || !ctx.options.quit) return finish(facts);

    socket.write('QUIT\r\n');
    const quit = await readFtpReply(reader, ctx.signal);
    clock.mark('quit');
    const quitReply = quit.kind === 'reply' ? quit.code : null;
    return finish({ ...facts, evidence: { ...facts.evidence, quitReply } });
  },
});

export default ftpProbe;

// ---- helpers ----

type Reply = Extract<FtpReply, { kind: 'reply' }>;

function classifyGreeting(reply: Reply, base: Evidence, cut?: string): Omit<ProbeFacts, 'timings'> {
  const evidence: Evidence = { ...base, code: reply.code, greeting: printable(reply.lines.join('\n')) };
  const note = cut === undefined ? {} : { message: cut };
  if (reply.code === 220) return { state: 'open', reason: 'ftp-ok', evidence, ...note };
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

/** A reply cut off by a close or the deadline still counts when its first line carries a code. */
function partialReply(ended: Extract<FtpReply, { kind: 'end' }>): Reply | undefined {
  const first = ended.lines[0];
  const code = first === undefined ? undefined : /^(\d{3})[ -]/.exec(first)?.[1];
  return code === undefined ? undefined : { kind: 'reply', code: Number(code), lines: ended.lines };
}

function notFtp(line: string, base: Evidence): Omit<ProbeFacts, 'timings'> {
  const firstLine = printable(line, 120);
  return {
    state: 'open',
    reason: 'unexpected-protocol',
    message: 'the greeting is no FTP reply',
    evidence: { ...base, firstLine },
  };
}

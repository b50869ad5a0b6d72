import net from 'node:net';
import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { PhaseClock, ms } from '../src/core/clock.js';
import { classifyErrno } from '../src/core/errno.js';
import { echoCommand } from './protocols/icmp/command.js';
import type { EchoResult } from './protocols/icmp/echo.js';
import { isTimeExceeded, type IpFamily } from './protocols/icmp/packet.js';
import { echoRaw, loadRawSocket } from './protocols/icmp/raw.js';
import { connectFailureFacts, resolveAddress } from './kit/tcp-connect.js';
import { defineProbe, type Evidence, type ProbeFacts, type ReasonOf } from '../src/core/probe.js';

/**
 * ICMP echo (ping): one request, one answer. Through a raw socket shared by all pings of the
 * process when it may open one (root or CAP_NET_RAW), else through the system's ping command.
 * Node has no ICMP datagram ("ping") socket, and raw-socket opens only SOCK_RAW, so the
 * unprivileged ping_group_range route is left to the ping command, which uses it when allowed.
 * An echo reply proves the host is reachable; its absence proves little (pair it with TCP/UDP).
 *
 * Evidence: method (raw-socket / ping-command, also named in the message, so that the human
 * report shows it), rawUnavailable (why `auto` fell back to the command: no privilege, or the
 * raw-socket addon not installed or not loadable), rttMs, ttl (IPv4 raw, and the ping command);
 * for an ICMP error icmpType, icmpCode, icmpMeaning and from (who sent it); ip for a DNS name.
 */

const ICMP_REASONS = defineReasons({
  'echo-reply': { outcome: 'ok', summary: 'the host answered the ICMP echo request' },
  'icmp-unreachable': {
    outcome: 'fail',
    summary:
      'an ICMP destination unreachable came back instead of a reply (see icmpMeaning: no route, host unreachable, ' +
      'administratively prohibited...) from the host or a router on the way (see from)',
  },
  'icmp-time-exceeded': {
    outcome: 'fail',
    summary: 'the request ran out of TTL on the way (a routing loop, or a path longer than the TTL); see from',
  },
  // warn, not fail: nothing was tested, for a local reason the operator fixes on the probing host
  // (run as root, grant CAP_NET_RAW, or install iputils-ping), like missing credentials; the path
  // itself may well be fine, and ICMP is only a companion of the TCP/UDP checks.
  'no-icmp-privilege': {
    outcome: 'warn',
    summary: 'ICMP was not tested: no raw socket (needs root or CAP_NET_RAW) and no usable ping command on this host',
  },
});

const optionsSchema = z
  .object({
    method: z
      .enum(['auto', 'raw', 'command'])
      .default('auto')
      .describe(
        'How to send the echo. raw: one raw socket shared by all pings (needs root or CAP_NET_RAW; the most exact RTT under load). ' +
          'command: the system ping, one process per echo. auto: raw when permitted, else the command',
      ),
    pingCommand: z
      .string()
      .min(1)
      .default('/usr/bin/ping')
      .describe('The iputils ping used by method command, and by auto when raw sockets are not permitted'),
  })
  .strict();

type Method = 'raw-socket' | 'ping-command';

const icmpProbe = defineProbe({
  kind: 'icmp',
  transport: 'icmp',
  summary: 'ICMP echo: reply with RTT and TTL, unreachable with its ICMP code, or silence',
  optionsSchema,
  reasons: ICMP_REASONS,
  async prepare() {
    await loadRawSocket();
  },
  async run(target, ctx) {
    const clock = new PhaseClock();
    if (ctx.signal.aborted) return { state: 'error', reason: 'aborted', message: 'run interrupted', timings: clock.done() };
    const resolved = await resolveAddress(target.address, ctx.signal);
    if (!resolved.ok) return connectFailureFacts(resolved, clock);
    if (net.isIP(target.address) === 0) clock.mark('resolve');
    const ip = resolved.ip;
    const family: IpFamily = net.isIPv6(ip) ? 6 : 4;
    const { method, pingCommand } = ctx.options;

    let used: Method = 'raw-socket';
    let result: EchoResult | undefined;
    let rawUnavailable: string | undefined;
    if (method !== 'command') {
      result = await echoRaw(ip, family, ctx.signal);
      if (result.kind === 'unavailable') rawUnavailable = result.message;
    }
    if (method === 'command' || (method === 'auto' && result?.kind === 'unavailable')) {
      used = 'ping-command';
      const remaining = Math.max(1, ctx.timeoutMs - clock.elapsed());
      result = await echoCommand(pingCommand, ip, family, ctx.signal, remaining, ctx.maxBytes);
      if (result.kind === 'unavailable' && rawUnavailable !== undefined) {
        result = { kind: 'unavailable', message: `${rawUnavailable}; ${result.message}` };
      }
    }
    clock.mark('echo');
    const evidence: Evidence = {
      method: used,
      ...(used === 'ping-command' && rawUnavailable !== undefined ? { rawUnavailable } : {}),
      ...(ip === target.address ? {} : { ip }),
    };
    return withMethod(factsOf(result ?? { kind: 'no-reply' }, family, evidence, clock));
  },
});

export default icmpProbe;

const METHOD_TEXT: Readonly<Record<Method, string>> = { 'raw-socket': 'raw socket', 'ping-command': 'ping command' };

/** The method used, at the end of the message: the human report shows messages, not evidence. */
function withMethod<Reason extends string>(facts: ProbeFacts<Reason>): ProbeFacts<Reason> {
  const method = facts.evidence?.method;
  if (method !== 'raw-socket' && method !== 'ping-command') return facts;
  return { ...facts, message: `${facts.message} (${METHOD_TEXT[method]})` };
}

function factsOf(result: EchoResult, family: IpFamily, base: Evidence, clock: PhaseClock): ProbeFacts<ReasonOf<typeof ICMP_REASONS>> {
  const timings = clock.done();
  switch (result.kind) {
    case 'reply':
      return {
        state: 'open',
        reason: 'echo-reply',
        message: `reply in ${ms(result.rttMs)} ms${result.ttl === undefined ? '' : `, ttl ${result.ttl}`}`,
        timings,
        evidence: { ...base, rttMs: ms(result.rttMs), ...(result.ttl === undefined ? {} : { ttl: result.ttl }) },
        ...(result.bytes === undefined ? {} : { bytesRead: result.bytes }),
      };
    case 'icmp-error': {
      const timeExceeded = result.type !== undefined && isTimeExceeded(family, result.type);
      return {
        state: 'filtered',
        reason: timeExceeded ? 'icmp-time-exceeded' : 'icmp-unreachable',
        message: `${result.meaning} from ${result.from}`,
        timings,
        evidence: {
          ...base,
          ...(result.type === undefined ? {} : { icmpType: result.type }),
          ...(result.code === undefined ? {} : { icmpCode: result.code }),
          icmpMeaning: result.meaning,
          from: result.from,
        },
      };
    }
    case 'no-reply':
      return { state: 'filtered', reason: 'timeout', message: 'no echo reply before the deadline', timings, evidence: base };
    case 'aborted':
      return { state: 'error', reason: 'aborted', message: 'run interrupted', timings, evidence: base };
    case 'send-error': {
      // EPERM = an OUTPUT rule dropped the send; ENETUNREACH = no route; anything else is local.
      const classified = classifyErrno(result.code);
      return { state: classified.state, reason: classified.reason, message: result.message, timings, evidence: base };
    }
    case 'unavailable': {
      // No method worked, so none is named as used.
      const { method: _none, ...rest } = base;
      return { state: 'error', reason: 'no-icmp-privilege', message: result.message, timings, evidence: rest };
    }
  }
}

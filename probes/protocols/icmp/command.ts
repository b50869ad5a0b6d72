import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { abortKind } from '../../../src/core/abort.js';
import { codeFromText, type EchoResult } from './echo.js';
import { icmpErrorMeaning, type IpFamily } from './packet.js';

/**
 * ICMP echo through the system's `ping` (iputils), for a process without CAP_NET_RAW: Debian's
 * ping carries the cap_net_raw file capability. One process per echo, so use it only as the
 * fallback. Its RTT comes from kernel receive timestamps (SO_TIMESTAMP), unaffected by our event loop.
 */
export async function echoCommand(
  pingPath: string,
  ip: string,
  family: IpFamily,
  signal: AbortSignal,
  waitMs: number,
  maxOutputBytes: number,
): Promise<EchoResult> {
  if (signal.aborted) return abortedResult(signal);
  try {
    await access(pingPath, constants.X_OK);
  } catch {
    return { kind: 'unavailable', message: `no executable ping at ${pingPath}` };
  }
  if (signal.aborted) return abortedResult(signal);

  // -W takes whole seconds in older iputils; our own deadline kills it earlier anyway.
  const waitSeconds = String(Math.max(1, Math.ceil(waitMs / 1000)));
  const args = ['-n', '-c', '1', '-W', waitSeconds, family === 6 ? '-6' : '-4', ip];
  return new Promise<EchoResult>((resolve) => {
    let output = '';
    let errors = '';
    let size = 0;
    let done = false;
    const child = spawn(pingPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const finish = (result: EchoResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(result);
    };
    const onAbort = (): void => finish(abortedResult(signal));
    const collect = (target: 'out' | 'err') => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutputBytes) {
        finish({ kind: 'send-error', code: undefined, message: 'ping printed more than the byte limit' });
        return;
      }
      if (target === 'out') output += chunk.toString('utf8');
      else errors += chunk.toString('utf8');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', collect('out'));
    child.stderr.on('data', collect('err'));
    child.on('error', (error) => finish({ kind: 'unavailable', message: `cannot run ${pingPath}: ${error.message.slice(0, 200)}` }));
    child.on('close', (code) => finish(parsePingOutput(output, errors, code, family)));
  });
}

/** Reads iputils ping's output for one echo (run with -n, LC_ALL=C). */
export function parsePingOutput(stdout: string, stderr: string, exitCode: number | null, family: IpFamily): EchoResult {
  const reply = /bytes from [^\s]+:.*?\bttl=(\d+).*?\btime[=<]([\d.]+) ?ms/.exec(stdout);
  if (reply) return { kind: 'reply', rttMs: Number(reply[2]), ttl: Number(reply[1]) };

  const error = /^From (\S+?)(?: \([^)]*\))?:? icmp_seq=\d+ (.+)$/m.exec(stdout);
  if (error) {
    const from = error[1] ?? '';
    const text = (error[2] ?? '').trim();
    const known = errorFromText(family, text);
    return { kind: 'icmp-error', from, ...known };
  }

  // e.g. "ping: sendmsg: Operation not permitted" (OUTPUT rule), "ping: connect: Network is unreachable".
  const failure = /ping: (?:([\w]+): )?(.+)/.exec(stderr);
  if (failure) {
    const operation = failure[1] ?? '';
    const text = (failure[2] ?? '').trim();
    const code = codeFromText(text);
    // Opening the socket failed: ping lacks its capability here, which is a local limit, not the path.
    if (operation === 'socket' && (code === 'EPERM' || code === 'EACCES')) {
      return { kind: 'unavailable', message: `ping cannot open its ICMP socket: ${text}` };
    }
    return { kind: 'send-error', code, message: `ping: ${operation === '' ? '' : `${operation}: `}${text}`.slice(0, 200) };
  }
  if (exitCode === 1) return { kind: 'no-reply' };
  return { kind: 'send-error', code: undefined, message: `ping exited with ${exitCode ?? 'a signal'}` };
}

type KnownError = { type: number | undefined; code: number | undefined; meaning: string };

// iputils' texts (ping.c / ping6_common.c pr_icmph) and the ICMP type and code behind them.
const V4_TEXTS: ReadonlyArray<readonly [RegExp, number, number]> = [
  [/^Destination Net Unreachable for Type of Service/, 3, 11],
  [/^Destination Host Unreachable for Type of Service/, 3, 12],
  [/^Destination Net Unreachable/, 3, 0],
  [/^Destination Host Unreachable/, 3, 1],
  [/^Destination Protocol Unreachable/, 3, 2],
  [/^Destination Port Unreachable/, 3, 3],
  [/^Frag needed and DF set/, 3, 4],
  [/^Source Route Failed/, 3, 5],
  [/^Destination Net Unknown/, 3, 6],
  [/^Destination Host Unknown/, 3, 7],
  [/^Source Host Isolated/, 3, 8],
  [/^Destination Net Prohibited/, 3, 9],
  [/^Destination Host Prohibited/, 3, 10],
  [/^Packet filtered/, 3, 13],
  [/^Precedence Violation/, 3, 14],
  [/^Precedence Cutoff/, 3, 15],
  [/^Time to live exceeded/, 11, 0],
  [/^Frag reassembly time exceeded/, 11, 1],
];

const V6_TEXTS: ReadonlyArray<readonly [RegExp, number, number]> = [
  [/^Destination unreachable: No route/, 1, 0],
  [/^Destination unreachable: Administratively prohibited/, 1, 1],
  [/^Destination unreachable: Beyond scope of source address/, 1, 2],
  [/^Destination unreachable: Address unreachable/, 1, 3],
  [/^Destination unreachable: Port unreachable/, 1, 4],
  [/^Destination unreachable: Unknown code 5/, 1, 5],
  [/^Destination unreachable: Unknown code 6/, 1, 6],
  [/^Packet too big/, 2, 0],
  [/^Time exceeded: Hop limit/, 3, 0],
  [/^Time exceeded: Defragmentation failure/, 3, 1],
];

function errorFromText(family: IpFamily, text: string): KnownError {
  const found = (family === 4 ? V4_TEXTS : V6_TEXTS).find(([pattern]) => pattern.test(text));
  if (found === undefined) return { type: undefined, code: undefined, meaning: text.slice(0, 80) };
  const [, type, code] = found;
  return { type, code, meaning: icmpErrorMeaning(family, type, code) };
}

function abortedResult(signal: AbortSignal): EchoResult {
  return abortKind(signal) === 'timeout' ? { kind: 'no-reply' } : { kind: 'aborted' };
}

import { listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';
import { parseTelnet, TELNET, telnetChunkMatcher } from '../../probes/protocols/telnet/negotiation.js';
import { formatTl1Response } from '../../probes/protocols/tl1/response.js';

/**
 * A simulated telnet service of an NE: option negotiation first (IAC DO TTYPE, IAC WILL ECHO,
 * IAC WILL SGA, as NE telnet daemons do), then a banner, then either a TL1 agent (GR-831 style
 * replies to `RTRV-HDR`) or a CLI login prompt that never lets anyone in.
 */

export interface TelnetServiceOptions {
  /** 'tl1' answers TL1 commands; 'cli' shows a login prompt. @default 'tl1' */
  readonly mode?: 'tl1' | 'cli';
  /** Text after the negotiation. @default a TL1 greeting, or "<sid> login: " for the CLI */
  readonly banner?: string;
  /** TL1 source identifier (the NE's TID) in replies. @default 'LAB-NE' */
  readonly sid?: string;
  /** TL1: answer RTRV-HDR with `DENY` + `PLNA` (login not active) instead of `COMPLD`. @default false */
  readonly deny?: boolean;
  /** Send the telnet negotiation before the banner. @default true */
  readonly negotiate?: boolean;
}

export interface TelnetPeerOptions extends TelnetServiceOptions, PeerEndpoint {}

const { IAC, DO, WILL, ECHO, SGA, TTYPE } = TELNET;
export const TELNET_NEGOTIATION = Buffer.from([IAC, DO, TTYPE, IAC, WILL, ECHO, IAC, WILL, SGA]);

export function telnetHandler(options: TelnetServiceOptions = {}): ConnectionHandler {
  const mode = options.mode ?? 'tl1';
  const sid = options.sid ?? 'LAB-NE';
  return (socket) => {
    if (options.negotiate ?? true) socket.write(TELNET_NEGOTIATION);
    socket.write(options.banner ?? (mode === 'tl1' ? `\r\n${sid} TL1 agent (PSM lab)\r\n<` : `\r\n${sid} (PSM lab)\r\n\r\n${sid} login: `));
    const telnet = iacStripper();
    let pending = '';
    let awaitingPassword = false;
    socket.on('data', (data: Buffer) => {
      pending += telnet.strip(data);
      // An unfinished subnegotiation is held as raw bytes: it counts against the same budget.
      if (pending.length + telnet.held() > 4096) {
        socket.destroy();
        return;
      }
      if (mode === 'tl1') {
        for (let end = pending.indexOf(';'); end >= 0; end = pending.indexOf(';')) {
          const command = pending.slice(0, end).replace(/[\r\n]/g, '').trim();
          pending = pending.slice(end + 1);
          socket.write(tl1Reply(command, sid, options.deny ?? false));
        }
        return;
      }
      for (let end = pending.search(/[\r\n]/); end >= 0; end = pending.search(/[\r\n]/)) {
        pending = pending.slice(end + 1).replace(/^[\r\n\0]+/, '');
        socket.write(awaitingPassword ? `\r\nLogin incorrect\r\n\r\n${sid} login: ` : 'Password: ');
        awaitingPassword = !awaitingPassword;
      }
    });
  };
}

export function startTelnetPeer(options: TelnetPeerOptions): Promise<PeerHandle> {
  return listenTcp(options, telnetHandler(options));
}

/** `<verb>:<tid>:<aid>:<ctag>[:...];` answered the way a TL1 agent does before anyone logs in. */
function tl1Reply(command: string, sid: string, deny: boolean): string {
  const fields = command.split(':');
  const verb = (fields[0] ?? '').trim().toUpperCase();
  const ctag = (fields[3] ?? '').trim() || '0';
  const at = new Date();
  if (verb === 'RTRV-HDR' && !deny) return formatTl1Response({ sid, at, ctag, code: 'COMPLD' });
  // Before ACT-USER every other command is refused as "login not active"; unknown verbs as ICNV.
  const known = verb === 'RTRV-HDR' || verb === 'ACT-USER' || verb.startsWith('RTRV-') || verb.startsWith('ENT-');
  return known
    ? formatTl1Response({ sid, at, ctag, code: 'DENY', errorCode: 'PLNA', comment: 'Login Not Active' })
    : formatTl1Response({ sid, at, ctag, code: 'DENY', errorCode: 'ICNV', comment: 'Input, Command Not Valid' });
}

/**
 * Removes telnet commands (RFC 854) from the input with the protocol folder's parser, across
 * chunk boundaries: a command cut by a segment waits for its end. IAC IAC is a data 0xFF.
 */
function iacStripper(): { strip: (data: Buffer) => string; readonly held: () => number } {
  let raw: Buffer = Buffer.alloc(0);
  return {
    strip: (data) => {
      raw = raw.length === 0 ? data : Buffer.concat([raw, data]);
      const whole = telnetChunkMatcher(raw);
      if (whole <= 0) return '';
      const text = parseTelnet(raw.subarray(0, whole)).data.toString('latin1');
      raw = raw.subarray(whole);
      return text;
    },
    held: () => raw.length,
  };
}

import { listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';
import { TELNET } from '../../probes/protocols/telnet/negotiation.js';

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

const { IAC, DONT, DO, WONT, WILL, SB, SE, ECHO, SGA, TTYPE } = TELNET;
export const TELNET_NEGOTIATION = Buffer.from([IAC, DO, TTYPE, IAC, WILL, ECHO, IAC, WILL, SGA]);

export function telnetHandler(options: TelnetServiceOptions = {}): ConnectionHandler {
  const mode = options.mode ?? 'tl1';
  const sid = options.sid ?? 'LAB-NE';
  return (socket) => {
    if (options.negotiate ?? true) socket.write(TELNET_NEGOTIATION);
    socket.write(options.banner ?? (mode === 'tl1' ? `\r\n${sid} TL1 agent (PSM lab)\r\n<` : `\r\n${sid} (PSM lab)\r\n\r\n${sid} login: `));
    const strip = iacStripper();
    let pending = '';
    let awaitingPassword = false;
    socket.on('data', (data: Buffer) => {
      pending += strip(data);
      if (pending.length > 4096) {
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
  const header = `\r\n\n   ${sid} ${tl1Timestamp()}\r\n`;
  if (verb === 'RTRV-HDR' && !deny) return `${header}M  ${ctag} COMPLD\r\n;`;
  // Before ACT-USER every other command is refused as "login not active"; unknown verbs as ICNV.
  const known = verb === 'RTRV-HDR' || verb === 'ACT-USER' || verb.startsWith('RTRV-') || verb.startsWith('ENT-');
  const code = known ? 'PLNA' : 'ICNV';
  const why = known ? 'Login Not Active' : 'Input, Command Not Valid';
  return `${header}M  ${ctag} DENY\r\n   ${code}\r\n   /* ${why} */\r\n;`;
}

/** `YY-MM-DD HH:MM:SS` in UTC. */
function tl1Timestamp(): string {
  const iso = new Date().toISOString();
  return `${iso.slice(2, 10)} ${iso.slice(11, 19)}`;
}

/** Removes telnet commands (RFC 854) from the input, across chunk boundaries; IAC IAC is 0xFF. */
function iacStripper(): (data: Buffer) => string {
  let state: 'data' | 'iac' | 'option' | 'sb' | 'sb-iac' = 'data';
  return (data) => {
    const out: number[] = [];
    for (const byte of data) {
      switch (state) {
        case 'data':
          if (byte === IAC) state = 'iac';
          else out.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            out.push(IAC);
            state = 'data';
          } else if (byte === WILL || byte === WONT || byte === DO || byte === DONT) state = 'option';
          else if (byte === SB) state = 'sb';
          else state = 'data';
          break;
        case 'option':
          state = 'data';
          break;
        case 'sb':
          if (byte === IAC) state = 'sb-iac';
          break;
        case 'sb-iac':
          state = byte === SE ? 'data' : 'sb';
          break;
      }
    }
    return Buffer.from(out).toString('latin1');
  };
}

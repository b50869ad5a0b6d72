/**
 * TL1 output (GR-831): the agent answers a command with a header line, a response line and a
 * terminator:
 *
 *     <cr><lf><lf>   SID 24-05-01 12:00:00<cr><lf>
 *     M  CTAG COMPLD<cr><lf>          (or DENY, then an error code line such as "   PLNA")
 *     ;
 *
 * Before it, an acknowledgment may come: "IP CTAG" (in progress), "NG CTAG" (no good), "RL CTAG"
 * (repeat later)... Autonomous messages ("A  ...") may arrive in between and are ignored.
 */
export interface Tl1Response {
  /** COMPLD, DENY, PRTL, DELAY or RTRV. */
  readonly code: string;
  /** The source identifier from the header line, when there is one. */
  readonly sid?: string;
  readonly date?: string;
  readonly time?: string;
  /** The four-letter error code of a DENY (PLNA, IITA, ICNV...). */
  readonly errorCode?: string;
  /** True once the ";" (or ">" for a continued response) after the response line arrived. */
  readonly complete: boolean;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const HEADER = /^\s*"?([^\s"]+)"?\s+(\d{2,4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})\s*$/;

/** The response to `ctag` in `text`, or undefined while its response line has not arrived. */
export function findTl1Response(text: string, ctag: string): Tl1Response | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const responseLine = new RegExp(`^M\\s+${escape(ctag)}\\s+(COMPLD|DENY|PRTL|DELAY|RTRV)\\b`);
  const at = lines.findIndex((line) => responseLine.test(line));
  if (at < 0) return undefined;
  const code = responseLine.exec(lines[at] ?? '')?.[1] ?? '';

  let header: RegExpExecArray | null = null;
  for (let i = at - 1; i >= 0 && header === null; i -= 1) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    header = HEADER.exec(line);
    break;
  }
  const after = lines.slice(at + 1);
  const end = after.findIndex((line) => /^\s*[;>]\s*$/.test(line));
  const body = end < 0 ? after : after.slice(0, end);
  const errorCode = code === 'DENY' ? body.map((line) => /^\s*"?([A-Z]{4})\b/.exec(line)?.[1]).find(Boolean) : undefined;
  return {
    code,
    complete: end >= 0,
    ...(header ? { sid: header[1] ?? '', date: header[2] ?? '', time: header[3] ?? '' } : {}),
    ...(errorCode === undefined ? {} : { errorCode }),
  };
}

/** The acknowledgment code for `ctag` ("IP", "NG", "RL"...), if one arrived. */
export function findTl1Acknowledgment(text: string, ctag: string): string | undefined {
  return new RegExp(`^(IP|PF|OK|NA|NG|RL)\\s+${escape(ctag)}\\s*(?:<\\s*)?$`, 'm').exec(text)?.[1];
}

/** What an agent puts in a response, for formatTl1Response. */
export interface Tl1ResponseParts {
  readonly sid: string;
  /** The header's date and time, written in UTC as YY-MM-DD HH:MM:SS. */
  readonly at: Date;
  readonly ctag: string;
  readonly code: 'COMPLD' | 'DENY' | 'PRTL' | 'DELAY' | 'RTRV';
  /** A DENY's four-letter error code (PLNA, ICNV...), on its own line. */
  readonly errorCode?: string;
  /** Text of the `/* ... *\/` comment line after the error code. */
  readonly comment?: string;
}

/**
 * A complete response as an agent writes it (the layout at the top of this file): CR LF LF, the
 * header, the response line, a DENY's error block, then ";". findTl1Response reads it back.
 */
export function formatTl1Response(parts: Tl1ResponseParts): string {
  const iso = parts.at.toISOString();
  const header = `\r\n\n   ${parts.sid} ${iso.slice(2, 10)} ${iso.slice(11, 19)}\r\n`;
  const errorBlock = parts.errorCode === undefined ? '' : `   ${parts.errorCode}\r\n`;
  const comment = parts.comment === undefined ? '' : `   /* ${parts.comment} */\r\n`;
  return `${header}M  ${parts.ctag} ${parts.code}\r\n${errorBlock}${comment};`;
}

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

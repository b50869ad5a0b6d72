/**
 * FTP replies (RFC 959 §4.2) as patterns for the banner exchange: a three-digit code and text.
 * A multi-line reply opens with `220-` and only a line that starts with the same code and a space
 * (`220 `) closes it; lines between may look like anything, even other codes. A reply is complete
 * only with its closing line: an unfinished `220-` block is no reply at all.
 */

/** One complete reply at the start of the text: single-line, or a `ddd-` block to its `ddd ` line. */
export const FTP_REPLY = /^(\d{3})(?: [^\n]*\n|-[^\n]*\n(?:[^\n]*\n)*?\1 [^\n]*\n)/;

/** Longest line taken: real greetings are far shorter, and a longer one is no FTP server's. */
export const MAX_LINE = 2048;

/**
 * Text that no FTP server sends: a complete first line that is no reply (another protocol,
 * garbage), or a line longer than MAX_LINE. Only complete lines are judged: a peer that stops
 * part-way through its first line has said too little to be called another protocol.
 */
export const NOT_FTP = new RegExp(`^(?!\\d{3}[ -])[^\\n]*\\n|(?:^|\\n)[^\\n]{${MAX_LINE}}`);

/** 120 "service ready in nnn minutes" (RFC 959 §5.4): a preliminary reply before the 220. */
export const PRELIMINARY = /^120[ -]/;

export interface FtpReply {
  readonly code: number;
  /** The reply's lines without their line ends. */
  readonly lines: readonly string[];
}

/** The code and lines of a reply that FTP_REPLY matched (or of what arrived of one). */
export function parseFtpReply(text: string): FtpReply {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return { code: Number(/^(\d{3})/.exec(text)?.[1] ?? 0), lines };
}

/** The first line of some text, without its line end. */
export function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/**
 * A reply as a server writes it (RFC 959 §4.2): `220 text`, or for several lines `220-` before
 * each but the last and `220 ` before the last, CR LF after each. Every line carries the code,
 * as vsftpd writes it, so no middle line can be taken for the end. FTP_REPLY and parseFtpReply read it back.
 */
export function formatFtpReply(code: number, lines: readonly string[]): string {
  return lines.map((line, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${line}\r\n`).join('');
}

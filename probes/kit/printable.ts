/**
 * Text from a peer, made safe for evidence: only printable ASCII, line breaks kept as " | ",
 * whitespace collapsed, cut at `maxChars`. A hostile banner cannot smuggle control sequences
 * into a terminal or a report this way.
 */
export function printable(data: Buffer | string, maxChars = 256): string {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/[^\x20-\x7e\t]/g, '').replace(/\s+/g, ' ').trim())
    .filter((line) => line.length > 0);
  const joined = lines.join(' | ');
  return joined.length > maxChars ? `${joined.slice(0, maxChars - 3)}...` : joined;
}

/**
 * Laying text out in a terminal's columns: widths, truncation with an ellipsis, word wrap. Widths
 * count code points, which is what a terminal shows for the ASCII and Latin text of reports
 * (a wide East Asian character in a host name would take two columns: rare enough to accept).
 */

export const ELLIPSIS = '\u2026';

/** The visible length of plain text (no escape sequences). */
export function visibleLength(text: string): number {
  let length = 0;
  // Counts code points without building an array: surrogate pairs are one character.
  for (const _ of text) length++;
  return length;
}

/** At most `width` characters; longer text ends in an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleLength(text) <= width) return text;
  return `${Array.from(text).slice(0, width - 1).join('')}${ELLIPSIS}`;
}

/** At most `width` characters, keeping the end (a file path's name matters more than its folders). */
export function truncateStart(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return `${ELLIPSIS}${chars.slice(chars.length - width + 1).join('')}`;
}

/**
 * Our own sentences (guidance, summaries) broken at spaces into lines of at most `width`; the
 * lines after the first start with `indent`. A word longer than a line is cut.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  let limit = width;
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (visibleLength(candidate) <= limit) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    limit = width - visibleLength(indent);
    line = truncate(word, limit);
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines.map((text, index) => (index === 0 ? text : `${indent}${text}`));
}

/** The widest cell of each column (a loop: spreading 100k rows into Math.max overflows the stack). */
export function columnWidths(titles: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = titles.map((title) => visibleLength(title));
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleLength(cell));
    });
  }
  return widths;
}

/** Cells padded to their column's width; the last one is not padded (no trailing blanks). */
export function joinCells(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => (index === cells.length - 1 ? cell : pad(cell, widths[index] ?? 0)))
    .join('  ')
    .trimEnd();
}

export function pad(text: string, width: number): string {
  return `${text}${' '.repeat(Math.max(0, width - visibleLength(text)))}`;
}

export function padStart(text: string, width: number): string {
  return `${' '.repeat(Math.max(0, width - visibleLength(text)))}${text}`;
}

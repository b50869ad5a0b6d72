/**
 * How deep an inventory's YAML may nest: 100 levels, js-yaml's default. An inventory needs six or
 * so; the `yaml` package recurses once per level and overflows the stack at a few thousand, which
 * used to surface as an internal error.
 */
export const MAX_NESTING = 100;

/**
 * Where the text first nests deeper than `limit`, or undefined. A line scan, not a parse: block
 * nesting from the stack of indentations and `- ` indicators, flow nesting from brackets outside
 * quotes and comments. It can only over-count on text no inventory has (a hundred open brackets in
 * plain scalars); under-counting leaves the reader's own limits and the loader's catch-all.
 */
export function tooDeepAt(text: string, limit = MAX_NESTING): { line: number; column: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let base = 0;
  let line = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line += 1;
    let i = start;
    if (flow === 0) {
      while (i < end && text.charCodeAt(i) === 32) i += 1;
      const first = text[i];
      if (i < end && first !== '#' && first !== '\r') {
        const indent = i - start;
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
        indents.push(indent);
        base = indents.length;
        // "- - - x": each indicator opens a sequence on this line.
        while (text[i] === '-' && (i + 1 === end || text[i + 1] === ' ' || text[i + 1] === '\r')) {
          base += 1;
          i += 1;
          while (text[i] === ' ') i += 1;
        }
        if (base > limit) return { line, column: i - start + 1 };
      }
    }
    let quote = '';
    for (; i < end; i += 1) {
      const ch = text[i];
      if (quote !== '') {
        if (ch === quote) quote = '';
        else if (ch === '\\' && quote === '"') i += 1;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === '#' && (i === start || text[i - 1] === ' ')) {
        break;
      } else if (ch === '[' || ch === '{') {
        flow += 1;
        if (base + flow > limit) return { line, column: i - start + 1 };
      } else if ((ch === ']' || ch === '}') && flow > 0) {
        flow -= 1;
      }
    }
    start = end + 1;
  }
  return undefined;
}

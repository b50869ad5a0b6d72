import type { Verdict } from '../core/model.js';

/**
 * ANSI colours for the terminal reports, plain SGR codes only. Painting comes last, after the
 * layout has measured and cut the plain text, so that escape sequences never count as columns.
 */
export interface Painter {
  bold(text: string): string;
  dim(text: string): string;
  verdict(verdict: Verdict, text: string): string;
}

const SGR_FOR: Record<Verdict, string> = { fail: '1;31', warn: '33', skip: '36', pass: '32' };

export function painter(color: boolean): Painter {
  const sgr = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: (text) => sgr('1', text),
    dim: (text) => sgr('2', text),
    verdict: (verdict, text) => sgr(SGR_FOR[verdict], text),
  };
}

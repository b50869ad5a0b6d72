import type { Evidence } from '../core/probe.js';
import type { ProbeResult } from './types.js';
import { compareText } from './verdicts.js';

/**
 * Small text helpers shared by the formatters. Everything here is deterministic (no locale, no
 * clock) so golden files stay byte-for-byte stable.
 */

/** `tcp/830`, `udp/161`, `icmp`. */
export function transportPort(result: Pick<ProbeResult, 'transport' | 'port'>): string {
  return result.port === null ? result.transport : `${result.transport}/${result.port}`;
}

/** `0.4 ms`, `12 ms`, `2.00 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Seconds with millisecond precision, as a plain decimal (`3.21`). */
export function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/**
 * One visible line from untrusted text (banners, peer messages): control characters (newlines,
 * ESC sequences that could repaint a terminal) become visible escapes instead of acting.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Untrusted text that may span lines: line feeds and tabs stay, every other control character
 * (CR, ESC, NUL...) becomes a visible escape.
 */
export function multiLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) =>
    char === '\r' ? '\\r' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** Evidence as sorted `[name, text]` pairs; lists are joined with commas. */
export function evidenceEntries(evidence: Evidence): [string, string][] {
  return Object.keys(evidence)
    .sort(compareText)
    .map((key) => {
      const value = evidence[key];
      return [key, Array.isArray(value) ? value.join(', ') : String(value)];
    });
}

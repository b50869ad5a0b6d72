import type { ReadEnd } from './bounded-reader.js';

export interface ReadEndFacts {
  readonly state: 'open';
  readonly reason: 'closed-before-banner' | 'reset-after-connect' | 'response-too-large' | 'no-banner' | 'aborted';
  readonly message: string;
}

/**
 * The transport facts of a read that ended without a complete message, on a connection that did
 * open. `what` names the awaited message in the text (e.g. "greeting", "HTTP response").
 */
export function readEndFacts(end: Exclude<ReadEnd, 'matched'>, what: string, errorCode?: string): ReadEndFacts {
  switch (end) {
    case 'eof':
      return { state: 'open', reason: 'closed-before-banner', message: `the peer closed before its ${what}` };
    case 'reset':
      return { state: 'open', reason: 'reset-after-connect', message: `${errorCode ?? 'reset'} before the ${what}` };
    case 'limit':
      return { state: 'open', reason: 'response-too-large', message: `byte limit reached before a complete ${what}` };
    case 'timeout':
      return { state: 'open', reason: 'no-banner', message: `no ${what} before the deadline` };
    case 'aborted':
      return { state: 'open', reason: 'aborted', message: 'run interrupted' };
  }
}

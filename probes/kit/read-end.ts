import type { ReadEnd } from './bounded-reader.js';

export interface ReadEndFacts {
  readonly state: 'open';
  readonly reason:
    | 'closed-before-banner'
    | 'closed-mid-banner'
    | 'incomplete-banner'
    | 'reset-after-connect'
    | 'response-too-large'
    | 'no-banner'
    | 'aborted';
  readonly message: string;
}

/**
 * The transport facts of a read that ended without a complete message, on a connection that did
 * open. `what` names the awaited message in the text (e.g. "greeting", "HTTP response");
 * `received` is how many bytes of it had arrived: a peer that stops part-way is told apart from
 * one that never began ("closed after 1 byte" is not "closed before its greeting").
 */
export function readEndFacts(end: Exclude<ReadEnd, 'matched'>, what: string, errorCode?: string, received = 0): ReadEndFacts {
  switch (end) {
    case 'eof':
      return received > 0
        ? { state: 'open', reason: 'closed-mid-banner', message: `the peer closed after ${bytes(received)}, before a complete ${what}` }
        : { state: 'open', reason: 'closed-before-banner', message: `the peer closed before its ${what}` };
    case 'reset':
      return { state: 'open', reason: 'reset-after-connect', message: `${errorCode ?? 'reset'} before the ${what}` };
    case 'limit':
      return { state: 'open', reason: 'response-too-large', message: `byte limit reached before a complete ${what}` };
    case 'timeout':
      return received > 0
        ? { state: 'open', reason: 'incomplete-banner', message: `${bytes(received)} of the ${what}, then nothing more before the deadline` }
        : { state: 'open', reason: 'no-banner', message: `no ${what} before the deadline` };
    case 'aborted':
      return { state: 'open', reason: 'aborted', message: 'run interrupted' };
  }
}

function bytes(count: number): string {
  return count === 1 ? '1 byte' : `${count} bytes`;
}

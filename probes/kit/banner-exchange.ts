import { deadlineSignal } from '../../src/core/abort.js';
import type { PhaseClock } from '../../src/core/clock.js';
import type { ReadEnd } from './bounded-reader.js';
import { readEndFacts, type ReadEndFacts } from './read-end.js';
import type { TextChannel } from './text-channel.js';

/**
 * A declarative conversation for the line protocols that speak first (FTP, telnet, TL1), in the
 * manner of blackbox_exporter's `query_response`: a list of steps, each either text to send or a
 * pattern to expect. Where blackbox matches one line at a time, a pattern here is tested against
 * all the text the step has received, so that a multi-line reply (FTP's `220-` ... `220 `) or a
 * prompt without a line end can be one pattern. What arrives past a match is kept for the next
 * expect step.
 *
 * Each expect step ends in one of the outcomes a diagnosis needs: matched; quiet (the peer went
 * quiet, when the step allows it); mismatch (a `reject` pattern proved another protocol); or the
 * stream's own end: eof ("closed after N bytes" when N > 0), timeout (incomplete when N > 0),
 * limit, reset, aborted.
 */

/**
 * A pattern: a regular expression (without the g or y flag: it is tested with exec from the
 * start every time), or a test on the step's text that returns the matched length or -1.
 */
export type Pattern = RegExp | ((text: string) => number);

export interface ExpectStep {
  /** Completes the step. */
  readonly expect: Pattern;
  /** Proves that the peer speaks something else, while `expect` does not match: the step ends with "mismatch". */
  readonly reject?: Pattern;
  /**
   * Matches of `expect` that are only a preamble (FTP's 120 "ready in a while"): recorded in
   * `skipped` and the step goes on, at most `maxSkips` times (then the next match counts).
   */
  readonly skip?: RegExp;
  readonly maxSkips?: number;
  /** A quiet spell of this many milliseconds also completes the step ("quiet"). */
  readonly quietMs?: number;
  /** Start the quiet clock only once some text arrived (negotiation alone does not count). */
  readonly quietAfterText?: boolean;
  /** The clock phase marked when the step ends. */
  readonly phase?: string;
}

export interface SendStep {
  readonly send: string;
}

export type Step = ExpectStep | SendStep;

/** How an expect step ended: its own outcomes, or the stream's (eof, timeout, limit, reset, aborted). */
export type StepEnd = StepResult['end'];

interface StepBase {
  /** The step's text: up to the end of the match when matched, all that arrived otherwise. */
  readonly text: string;
  /** Matches that `skip` set aside, in order. */
  readonly skipped: readonly string[];
  /** Bytes the step received, protocol bytes included: "closed after N bytes". */
  readonly bytes: number;
}

/** A step that the stream's end cut short: eof, timeout, limit, reset, aborted. */
export type StreamEnded = StepBase & { readonly end: Exclude<ReadEnd, 'matched'>; readonly errorCode?: string };

export type StepResult = (StepBase & { readonly end: 'matched' | 'quiet' | 'mismatch' }) | StreamEnded;

/** True when the stream's end (not a pattern or a quiet spell) ended the step. */
export function streamEnded(result: StepResult): result is StreamEnded {
  return result.end !== 'matched' && result.end !== 'quiet' && result.end !== 'mismatch';
}

/** True when the step got what it waited for (its pattern, or the quiet spell it allows). */
export function completed(result: StepResult): boolean {
  return result.end === 'matched' || result.end === 'quiet';
}

export class BannerExchange {
  readonly #channel: TextChannel;
  readonly #clock: PhaseClock;
  readonly #signal: AbortSignal;
  /** Text received past the last match, which the next expect step starts with. */
  #carry = '';

  constructor(channel: TextChannel, clock: PhaseClock, signal: AbortSignal) {
    this.#channel = channel;
    this.#clock = clock;
    this.#signal = signal;
  }

  /** Run the steps in order until one expect step does not complete; returns that one, or the last. */
  async run(steps: readonly Step[]): Promise<StepResult> {
    let last: StepResult = { end: 'matched', text: '', skipped: [], bytes: 0 };
    for (const step of steps) {
      if ('send' in step) {
        this.#channel.send(step.send);
        continue;
      }
      last = await this.expect(step);
      if (!completed(last)) break;
    }
    return last;
  }

  async expect(step: ExpectStep): Promise<StepResult> {
    const result = await this.#expect(step);
    if (step.phase !== undefined) this.#clock.mark(step.phase);
    return result;
  }

  async #expect(step: ExpectStep): Promise<StepResult> {
    const state: StepState = { text: this.#carry, skipped: [], startBytes: this.#channel.bytesRead - this.#carry.length };
    this.#carry = '';
    for (;;) {
      const judged = this.#judge(step, state);
      if (judged !== undefined) return judged;
      const quiet =
        step.quietMs !== undefined && (!step.quietAfterText || state.text.length > 0) ? deadlineSignal(step.quietMs, this.#signal) : undefined;
      const read = await this.#channel.next(quiet?.signal ?? this.#signal);
      quiet?.cancel();
      state.text += read.text;
      if (read.end === undefined) continue;
      if (quiet !== undefined && (read.end === 'timeout' || read.end === 'aborted') && !this.#signal.aborted) {
        return { end: 'quiet', text: state.text, skipped: state.skipped, bytes: this.#bytes(state) };
      }
      // What arrived with the end still counts.
      const atEnd = this.#judge(step, state);
      if (atEnd !== undefined) return atEnd;
      const ended = { end: read.end, text: state.text, skipped: state.skipped, bytes: this.#bytes(state) };
      return read.errorCode === undefined ? ended : { ...ended, errorCode: read.errorCode };
    }
  }

  /** The step's result when its text settles it (skipped preambles set aside), else undefined. */
  #judge(step: ExpectStep, state: StepState): StepResult | undefined {
    for (;;) {
      const { text, skipped } = state;
      if (text.length === 0) return undefined;
      const length = matchLength(step.expect, text);
      if (length < 0) {
        if (step.reject !== undefined && matchLength(step.reject, text) >= 0) return { end: 'mismatch', text, skipped, bytes: this.#bytes(state) };
        return undefined;
      }
      const match = text.slice(0, length);
      const rest = text.slice(length);
      if (step.skip?.test(match) === true && skipped.length < (step.maxSkips ?? Infinity)) {
        // Bytes are counted again from the end of what was set aside.
        skipped.push(match);
        state.text = rest;
        state.startBytes = this.#channel.bytesRead - rest.length;
        continue;
      }
      this.#carry = rest;
      return { end: 'matched', text: match, skipped, bytes: this.#bytes(state) - rest.length };
    }
  }

  #bytes(state: StepState): number {
    return this.#channel.bytesRead - state.startBytes;
  }
}

interface StepState {
  text: string;
  readonly skipped: string[];
  /** The channel's byte count where the step's text began. */
  startBytes: number;
}

/** Length of the text up to the end of the pattern's first match, or -1. */
function matchLength(pattern: Pattern, text: string): number {
  if (typeof pattern === 'function') return pattern(text);
  const found = pattern.exec(text);
  return found === null ? -1 : found.index + found[0].length;
}

/**
 * The transport facts of a step that did not complete, "mismatch" aside (only the protocol knows
 * what the other protocol looked like): closed after N bytes, incomplete, limit, reset...
 */
export function stepEndFacts(result: StreamEnded, what: string): ReadEndFacts {
  return readEndFacts(result.end, what, result.errorCode, result.bytes);
}

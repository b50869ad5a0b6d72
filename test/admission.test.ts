import { describe, expect, it } from 'vitest';
import { Admission } from '../src/runner/admission.js';

/**
 * Admission on a virtual clock: every call takes its time as an argument, so these tests pass the
 * moments themselves and nothing waits or is timed.
 */

/** `count` quick answers at `at`, each well within a quarter of the deadline. */
function quickAnswers(admission: Admission, count: number, at: number): void {
  for (let i = 0; i < count; i++) admission.attempt(1, false, true, at);
}

describe('Admission', () => {
  it('starts at 64 in flight, or at the limit when that is lower', () => {
    expect(new Admission(1000, 5000).capacity).toBe(64);
    expect(new Admission(10, 5000).capacity).toBe(10);
  });

  describe('widening', () => {
    it('widens by one per quick answer while the capacity holds starts back: a round of them doubles it', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(0, true, 0);
      quickAnswers(admission, 64, 0);
      expect(admission.capacity).toBe(128);
      quickAnswers(admission, 128, 10);
      expect(admission.capacity).toBe(256);
    });

    it('counts an answer as quick up to a quarter of the deadline', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(0, true, 0);
      admission.attempt(1000, false, true, 0);
      expect(admission.capacity).toBe(65);
      admission.attempt(1001, false, true, 0);
      expect(admission.capacity).toBe(65);
    });

    it('does not widen when the capacity was not what held starts back', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(0, false, 0);
      quickAnswers(admission, 64, 0);
      expect(admission.capacity).toBe(64);
    });

    it('does not widen on silence (a timeout is no answer)', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(0, true, 0);
      for (let i = 0; i < 64; i++) admission.attempt(1, false, false, 0);
      expect(admission.capacity).toBe(64);
    });

    it('never widens past the limit', () => {
      const admission = new Admission(70, 4000);
      admission.turn(0, true, 0);
      quickAnswers(admission, 100, 0);
      expect(admission.capacity).toBe(70);
    });
  });

  describe('halving', () => {
    it('halves when a turn of the event loop runs longer than 100 ms', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(100, false, 0);
      expect(admission.capacity).toBe(64);
      admission.turn(101, false, 0);
      expect(admission.capacity).toBe(32);
    });

    it('counts a turn as long from a twentieth of a short deadline', () => {
      const admission = new Admission(1000, 1000);
      admission.turn(50, false, 0);
      expect(admission.capacity).toBe(64);
      admission.turn(51, false, 0);
      expect(admission.capacity).toBe(32);
    });

    it('halves on an answer that came after half the deadline', () => {
      const admission = new Admission(1000, 4000);
      admission.attempt(2000, false, true, 0);
      expect(admission.capacity).toBe(64);
      admission.attempt(2001, false, true, 0);
      expect(admission.capacity).toBe(32);
    });

    it('halves when a probe that had connected ran out of time in a later phase', () => {
      const admission = new Admission(1000, 4000);
      admission.attempt(4000, true, false, 0);
      expect(admission.capacity).toBe(32);
    });

    it('cuts at most once in 250 ms: the probes in flight at a cut still finish slowly', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(500, false, 1000);
      expect(admission.capacity).toBe(32);
      admission.turn(500, false, 1249);
      admission.attempt(3000, false, true, 1249);
      admission.attempt(4000, true, false, 1249);
      expect(admission.capacity).toBe(32);
      admission.turn(500, false, 1250);
      expect(admission.capacity).toBe(16);
    });

    it('never cuts below 16, nor above a limit lower than that', () => {
      const admission = new Admission(1000, 4000);
      for (let at = 0; at <= 2000; at += 250) admission.turn(500, false, at);
      expect(admission.capacity).toBe(16);
      const small = new Admission(10, 4000);
      small.turn(500, false, 0);
      expect(small.capacity).toBe(10);
    });

    it('widens again once answers are quick after a cut', () => {
      const admission = new Admission(1000, 4000);
      admission.turn(500, true, 0);
      expect(admission.capacity).toBe(32);
      admission.turn(0, true, 100);
      quickAnswers(admission, 32, 100);
      expect(admission.capacity).toBe(64);
    });
  });
});

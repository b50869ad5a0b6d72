import { NetcheckError } from '../core/errors.js';
import type { Defaults } from '../inventory/types.js';
import { parseDuration } from '../inventory/schema.js';
import { autoConcurrency } from '../runner/limits.js';

/** Flags that override the inventory's defaults for one run. */
export interface RunFlags {
  readonly timeout?: string;
  readonly retries?: string;
  readonly concurrency?: string;
  readonly perHost?: string;
  readonly maxRate?: string;
}

export interface EffectiveSettings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly maxBytes: number;
  /** Probes started per second, at most; 0: no limit. */
  readonly maxRate: number;
}

/** Inventory defaults, then command-line flags; `concurrency: 0` becomes the automatic size. */
export function effectiveSettings(defaults: Defaults, flags: RunFlags): EffectiveSettings {
  const timeoutMs = flags.timeout === undefined ? defaults.timeoutMs : durationFlag('--timeout', flags.timeout);
  const retries = flags.retries === undefined ? defaults.retries : integerFlag('--retries', flags.retries, 0, 10);
  const concurrency =
    flags.concurrency === undefined ? defaults.concurrency : integerFlag('--concurrency', flags.concurrency, 0, 65536);
  const perHostConcurrency =
    flags.perHost === undefined ? defaults.perHostConcurrency : integerFlag('--per-host', flags.perHost, 1, 1024);
  const maxRate = flags.maxRate === undefined ? defaults.maxRate : integerFlag('--max-rate', flags.maxRate, 0, 1_000_000);
  return {
    timeoutMs,
    retries,
    concurrency: concurrency === 0 ? autoConcurrency() : concurrency,
    perHostConcurrency,
    maxBytes: defaults.maxBytes,
    maxRate,
  };
}

function durationFlag(flag: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (value === undefined || value <= 0) {
    throw new NetcheckError('E_USAGE', `${flag} ${JSON.stringify(text)}: expected a duration such as 500ms, 2s or 1m`);
  }
  return value;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NetcheckError('E_USAGE', `${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

import { z } from 'zod';
import { NetcheckError } from './errors.js';

/**
 * Run settings: one schema for the inventory's `defaults:` section and the command-line flags
 * that override it, so both accept the same values, refuse the same values and say so in the
 * same words. Every setting has a documented default and a documented range (docs/inventory-format.md).
 */

export interface RunSettings {
  /** Per-probe deadline in ms. @default 2000 */
  readonly timeoutMs: number;
  /** Extra attempts after a timeout (never after a definite answer). @default 1 */
  readonly retries: number;
  /** Probes in flight at once, all hosts together. @default 0 = sized from the file-descriptor limit */
  readonly concurrency: number;
  /**
   * Probes in flight at once against one network element: inventory hosts that share an address
   * are one element, and so are one host's addresses (src/runner/elements.ts). @default 4
   */
  readonly perHostConcurrency: number;
  /** Byte limit for everything read from one peer in one probe. @default 65536 */
  readonly maxBytes: number;
  /** Probes started per second, all hosts together. @default 0 = no limit */
  readonly maxRate: number;
}

export const DEFAULT_SETTINGS: RunSettings = {
  timeoutMs: 2000,
  retries: 1,
  concurrency: 0,
  perHostConcurrency: 4,
  maxBytes: 65536,
  maxRate: 0,
};

export interface Range {
  readonly min: number;
  readonly max: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The ranges every setting is checked against. Durations stay far below 2^31 - 1 ms (24.8 days),
 * above which Node's timers fire at once and warn on every call (TimeoutOverflowWarning).
 */
export const LIMITS = {
  /** A probe that needs more than ten minutes is not a connectivity check. */
  timeoutMs: { min: 1, max: 10 * MINUTE },
  retries: { min: 0, max: 10 },
  concurrency: { min: 0, max: 65_536 },
  perHostConcurrency: { min: 1, max: 1024 },
  maxBytes: { min: 1, max: 64 * 1024 * 1024 },
  maxRate: { min: 0, max: 1_000_000 },
  /** `serve --interval`: below a second a loop of checks becomes a load test of the elements. */
  serveIntervalMs: { min: 1000, max: 7 * DAY },
  /** `respond --for` and `lab --for`. */
  runForMs: { min: 1, max: DAY },
} as const satisfies Record<string, Range>;

// ---------------------------------------------------------------------------------------------
// Durations

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: MINUTE, h: HOUR } as const;

/** "500ms", "2s", "1.5s", "1m", "2h" in milliseconds (rounded); undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const unit = match[2] as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/** A duration for people: the largest unit that states it exactly ("10m", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', HOUR], ['m', MINUTE], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function showInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  if (input === undefined) return 'nothing';
  return typeof input === 'object' ? (Array.isArray(input) ? 'a list' : 'a map') : String(input);
}

const durationWords = (range: Range): string => `a duration from ${formatDuration(range.min)} to ${formatDuration(range.max)}`;

const durationMessage = (range: Range) => (input: unknown): string =>
  `expected ${durationWords(range)} (milliseconds, or text such as "500ms", "2s", "1m"), got ${showInput(input)}`;

/** A duration as written: a whole number of milliseconds, or text such as "500ms", "2s", "1m", "2h". */
function writtenDuration(range: Range) {
  const message = durationMessage(range);
  return z.union(
    [
      z.number({ error: (iss) => message(iss.input) }).int({ error: (iss) => message(iss.input) }),
      z.string({ error: (iss) => message(iss.input) }).regex(DURATION, { error: (iss) => message(iss.input) }),
    ],
    { error: (iss) => message(iss.input) },
  );
}

function inMilliseconds(range: Range) {
  const message = durationMessage(range);
  return (value: string | number, ctx: z.RefinementCtx): number => {
    const ms = typeof value === 'number' ? value : (parseDuration(value) ?? Number.NaN);
    if (ms >= range.min && ms <= range.max) return ms;
    ctx.addIssue({ code: 'custom', input: value, message: message(value) });
    return z.NEVER;
  };
}

/** A duration within `range`, as milliseconds. */
export function durationSchema(range: Range) {
  return writtenDuration(range).transform(inMilliseconds(range));
}

/** The same with a default, given as a user would write it ("2s"), so documentation shows it so. */
export function durationSetting(range: Range, fallback: string) {
  return writtenDuration(range).default(fallback).transform(inMilliseconds(range));
}

/** A whole number within `range`; `what` names the unit in messages ("retries"). */
export function countSchema(range: Range, what: string) {
  const message = (input: unknown): string =>
    `expected a whole number from ${range.min} to ${range.max} (${what}), got ${showInput(input)}`;
  return z
    .number({ error: (iss) => message(iss.input) })
    .int({ error: (iss) => message(iss.input) })
    .min(range.min, { error: (iss) => message(iss.input) })
    .max(range.max, { error: (iss) => message(iss.input) });
}

// ---------------------------------------------------------------------------------------------
// The settings, as the inventory writes them

const timeout = durationSchema(LIMITS.timeoutMs);
const retries = countSchema(LIMITS.retries, 'retries');
const concurrency = countSchema(LIMITS.concurrency, 'probes in flight');
const perHostConcurrency = countSchema(LIMITS.perHostConcurrency, 'probes in flight per host');
const maxBytes = countSchema(LIMITS.maxBytes, 'bytes');
const maxRate = countSchema(LIMITS.maxRate, 'probes started per second');

/** The run settings' fields, with defaults and descriptions (the inventory's `defaults:` extends it). */
export const runSettingsShape = {
  timeout: durationSetting(LIMITS.timeoutMs, formatDuration(DEFAULT_SETTINGS.timeoutMs)).describe(`Per-probe deadline: milliseconds, or "500ms", "2s", "1m"; at most ${formatDuration(LIMITS.timeoutMs.max)}. Default 2s.`),
  retries: retries
    .default(DEFAULT_SETTINGS.retries)
    .describe(`Extra attempts, only after a timeout (never after a definite answer); 0-${LIMITS.retries.max}. Default 1.`),
  concurrency: concurrency
    .default(DEFAULT_SETTINGS.concurrency)
    .describe(
      `Probes in flight at once, all hosts together; 0 = sized from the file-descriptor limit; at most ${LIMITS.concurrency.max}. Default 0.`,
    ),
  perHostConcurrency: perHostConcurrency
    .default(DEFAULT_SETTINGS.perHostConcurrency)
    .describe(
      `Probes in flight at once against one host (gentle on network element CPUs); 1-${LIMITS.perHostConcurrency.max}. Default 4.`,
    ),
  maxBytes: maxBytes
    .default(DEFAULT_SETTINGS.maxBytes)
    .describe(`Bytes read from one peer in one probe, at most; 1-${LIMITS.maxBytes.max}. Default 65536.`),
  maxRate: maxRate
    .default(DEFAULT_SETTINGS.maxRate)
    .describe(
      'Probes started per second, at most, all hosts together; 0 = no limit. For firewalls or IDS that count new ' +
        `connections per second (SYN-flood protection); at most ${LIMITS.maxRate.max}. Default 0.`,
    ),
};

type RunSettingsEntry = z.output<z.ZodObject<typeof runSettingsShape>>;

/** The inventory form's output (the deadline under `timeout`, in ms) as RunSettings. */
export function toRunSettings(entry: RunSettingsEntry): RunSettings {
  const { timeout: timeoutMs, retries, concurrency, perHostConcurrency, maxBytes, maxRate } = entry;
  return { timeoutMs, retries, concurrency, perHostConcurrency, maxBytes, maxRate };
}

// ---------------------------------------------------------------------------------------------
// The same settings, as command-line flags

/** Flags that override the inventory's defaults for one run, as the command line gives them. */
export interface RunFlags {
  readonly timeout?: string;
  readonly retries?: string;
  readonly concurrency?: string;
  readonly perHost?: string;
  readonly maxRate?: string;
}

const FLAG_FIELDS = [
  ['timeout', '--timeout', 'timeoutMs', timeout],
  ['retries', '--retries', 'retries', retries],
  ['concurrency', '--concurrency', 'concurrency', concurrency],
  ['perHost', '--per-host', 'perHostConcurrency', perHostConcurrency],
  ['maxRate', '--max-rate', 'maxRate', maxRate],
] as const satisfies readonly (readonly [keyof RunFlags, string, keyof RunSettings, z.ZodType])[];

/**
 * The flags given, validated by the same schemas as the inventory: a bare number is milliseconds
 * or a count, anything else is checked as written (so "", " " and "1e3" are refused, never 0).
 * A bad value is an E_USAGE error naming the flag.
 */
export function parseRunFlags(flags: RunFlags): Partial<RunSettings> {
  const settings: Partial<Record<keyof RunSettings, number>> = {};
  for (const [key, flag, setting, schema] of FLAG_FIELDS) {
    const text = flags[key];
    if (text === undefined) continue;
    settings[setting] = parseFlagValue(flag, text, schema);
  }
  return settings;
}

/** One flag's text through a setting's schema: digits are a number, other text is passed as is. */
export function parseFlagValue(flag: string, text: string, schema: z.ZodType<number>): number {
  const result = schema.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'invalid value';
  throw new NetcheckError('E_USAGE', `${flag} ${JSON.stringify(text)}: ${message.replace(/, got .*$/, '')}`);
}

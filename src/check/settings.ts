import { parseRunFlags, type RunFlags, type RunSettings } from '../core/settings.js';
import { autoConcurrency } from '../runner/limits.js';

/** The settings of one run: concurrency is never 0 here (the automatic size is filled in). */
export type EffectiveSettings = RunSettings;

/**
 * The inventory's defaults, then the command-line flags (validated by the same schema, so a bad
 * flag is an E_USAGE error before anything is probed); `concurrency: 0` becomes the automatic size.
 */
export function effectiveSettings(defaults: RunSettings, flags: RunFlags): EffectiveSettings {
  const merged = { ...defaults, ...parseRunFlags(flags) };
  return { ...merged, concurrency: merged.concurrency === 0 ? autoConcurrency() : merged.concurrency };
}

/**
 * The settings of the ICMP error observer and `--locate` (./path-diagnosis.ts), and how the
 * command line sets them for `check` and for each run of `serve`. No imports: the command line
 * reads the defaults for its --help without loading the probes.
 */

export interface LocateSettings {
  /** Run the TTL-limited search at all. */
  readonly enabled: boolean;
  /** At most this many silent paths are located per run (the rest are counted as skipped). */
  readonly maxPaths: number;
  /** TTLs tried: 1 to maxHops. */
  readonly maxHops: number;
  /** Wait for Time Exceeded answers after a search's probes are sent, milliseconds. */
  readonly waitMs: number;
  /** No new search starts after this many milliseconds. */
  readonly budgetMs: number;
}

/** Documented defaults (README, "Where a path breaks"; docs/monitoring.md for serve). */
export const LOCATE_DEFAULTS: LocateSettings = { enabled: true, maxPaths: 20, maxHops: 16, waitMs: 1000, budgetMs: 15_000 };

export interface PathDiagnosisSettings {
  readonly observer: boolean;
  readonly locate: LocateSettings;
}

/** The flags of `check` and `serve` (commander: `--no-x` makes x false). */
export interface PathDiagnosisFlags {
  readonly icmpObserver?: boolean;
  readonly locate?: boolean;
  readonly locateMaxPaths?: number;
  readonly locateMaxHops?: number;
}

/**
 * The settings the flags ask for. `intervalMs` (serve): the search's time budget is at most a
 * quarter of the interval, so that locating silent paths alone never makes a run overrun it.
 */
export function pathDiagnosisFromFlags(flags: PathDiagnosisFlags, intervalMs?: number): PathDiagnosisSettings {
  return {
    observer: flags.icmpObserver !== false,
    locate: {
      ...LOCATE_DEFAULTS,
      enabled: flags.locate !== false,
      maxPaths: flags.locateMaxPaths ?? LOCATE_DEFAULTS.maxPaths,
      maxHops: flags.locateMaxHops ?? LOCATE_DEFAULTS.maxHops,
      budgetMs: intervalMs === undefined ? LOCATE_DEFAULTS.budgetMs : Math.min(LOCATE_DEFAULTS.budgetMs, Math.floor(intervalMs / 4)),
    },
  };
}

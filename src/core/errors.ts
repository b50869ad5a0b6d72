/**
 * Errors the tool reports to its user, each with a stable code (documented in the README) and
 * the exit code it leads to. Anything else that escapes is an internal error (exit 3).
 */
export const ERROR_CODES = {
  /** The inventory file is missing, not YAML, or invalid (each issue with file:line:column). */
  E_INVENTORY: 'the inventory is invalid',
  /** Bad command-line flags or arguments. */
  E_USAGE: 'bad command-line usage',
  /** --from names no inventory host. */
  E_VANTAGE_UNKNOWN: 'the --from host is not in the inventory',
  /** No inventory host has one of this machine's addresses. */
  E_VANTAGE_NOT_FOUND: 'this machine is not in the inventory',
  /** Several inventory hosts have this machine's addresses. */
  E_VANTAGE_AMBIGUOUS: 'this machine matches several inventory hosts',
  /** A previous report given to --compare cannot be read. */
  E_PREVIOUS_REPORT: 'the previous report cannot be read',
  /** A report given to `merge` cannot be read, or was not made from this inventory. */
  E_INPUT_REPORT: 'a report to merge cannot be used',
  /** Another run holds the lock (cron overlap). */
  E_LOCKED: 'another run is in progress',
  /** An output file cannot be written. */
  E_OUTPUT: 'an output cannot be written',
  /** `demo` / `lab`: the simulated network's loopback addresses or ports are taken. */
  E_LAB_IN_USE: "the simulated network's addresses are in use",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit codes of every command (README "Exit codes"). */
export const EXIT = {
  /** Every expected path passed (warnings allowed). */
  ok: 0,
  /** At least one path failed. */
  failures: 1,
  /** Configuration or usage error: nothing was probed. */
  config: 2,
  /** Internal error (a bug): please report it. */
  internal: 3,
  /** Interrupted (Ctrl-C / SIGTERM): the report is marked incomplete. */
  interrupted: 4,
  /** Another run holds the lock; this one did nothing. */
  locked: 5,
} as const;

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  E_INVENTORY: EXIT.config,
  E_USAGE: EXIT.config,
  E_VANTAGE_UNKNOWN: EXIT.config,
  E_VANTAGE_NOT_FOUND: EXIT.config,
  E_VANTAGE_AMBIGUOUS: EXIT.config,
  E_PREVIOUS_REPORT: EXIT.config,
  E_INPUT_REPORT: EXIT.config,
  E_LOCKED: EXIT.locked,
  E_OUTPUT: EXIT.config,
  E_LAB_IN_USE: EXIT.config,
};

export class NetcheckError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetcheckError';
    this.code = code;
  }

  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }
}

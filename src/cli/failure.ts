import type { CommanderError } from 'commander';
import { ERROR_CODES, EXIT, NetcheckError, type ErrorCode } from '../core/errors.js';

/** Help or version was asked for and printed: a normal end, not a failure. */
class Finished {
  constructor(readonly exitCode: number) {}
}

/**
 * What a commander parse error means here: `--help` and `--version` end normally; anything else
 * (an unknown option or command, a missing value, a bad choice, a missing -i) is E_USAGE, exit 2,
 * with a hint where to read the usage. Already converted errors pass through. `helpTopic` is the
 * name given to `psm-netcheck help NAME`, if any.
 */
export function usageFailure(error: CommanderError | NetcheckError, hint: string, helpTopic?: string): NetcheckError | Finished {
  if (error instanceof NetcheckError) return error;
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return new Finished(0);
  // `help` and `help check` asked for the help and got it on stdout (exit code 0); no command, or
  // `help` with a name that is no command, is a usage error (commander's help page on stderr is
  // silenced in main.ts: one line and the hint instead).
  if (error.code === 'commander.help') {
    if (error.exitCode === 0) return new Finished(0);
    return new NetcheckError('E_USAGE', `${helpTopic === undefined ? 'a command is needed' : `unknown command '${helpTopic}'`} (see ${hint})`);
  }
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return new NetcheckError('E_USAGE', `${message} (see ${hint})`);
}

/**
 * Anything that escapes a command. A known error prints its stable code and its message (an
 * inventory error: one `file:line:column: path: problem` line each); anything else is a bug.
 */
export function handleFailure(error: unknown): void {
  if (error instanceof Finished) {
    process.exitCode = error.exitCode;
    return;
  }
  const code = codeOf(error);
  if (code !== undefined && error instanceof Error) {
    const lines = error.message.split('\n');
    const text =
      lines.length === 1 ? `psm-netcheck: ${code}: ${error.message}\n` : `psm-netcheck: ${code}: ${ERROR_CODES[code]}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    process.stderr.write(text);
    process.exitCode = error instanceof NetcheckError ? error.exitCode : EXIT.config;
    return;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`psm-netcheck: internal error (please report it): ${detail}\n`);
  process.exitCode = EXIT.internal;
}

/** NetcheckError, or the inventory loader's InventoryError (which carries `code: 'E_INVENTORY'`). */
function codeOf(error: unknown): ErrorCode | undefined {
  if (!(error instanceof Error)) return undefined;
  const code: unknown = (error as unknown as { code?: unknown }).code;
  return typeof code === 'string' && code in ERROR_CODES ? (code as ErrorCode) : undefined;
}

import { ERROR_CODES, EXIT, NetcheckError, type ErrorCode } from '../core/errors.js';

/**
 * Anything that escapes a command. A known error prints its stable code and its message (an
 * inventory error: one `file:line:column: path: problem` line each); anything else is a bug.
 */
export function handleFailure(error: unknown): void {
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

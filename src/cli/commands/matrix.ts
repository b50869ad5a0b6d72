import { formatMatrixTable, matrixJson } from '../../matrix/format.js';
import { MATRIX } from '../../matrix/rows.js';
import { EXIT } from '../../core/errors.js';

export function matrixCommand(options: { json?: boolean }): number {
  process.stdout.write(options.json === true ? `${JSON.stringify(matrixJson(MATRIX), null, 2)}\n` : formatMatrixTable(MATRIX));
  return EXIT.ok;
}

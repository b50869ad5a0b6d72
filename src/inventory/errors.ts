/** One problem in an inventory, located at the YAML node that causes it. */
export interface InventoryIssue {
  /** The inventory as the user named it (path as given, or a label such as "<embedded lab>"). */
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. the file cannot be read). */
  readonly line: number;
  /** 1-based; 0 together with `line`. */
  readonly column: number;
  /** Where in the document, e.g. `hosts[2].addresses[0]`; empty for the document as a whole. */
  readonly path: string;
  /** What is wrong. Never contains a secret value (a secret file's content or a variable's value). */
  readonly message: string;
}

/** Stable code, so callers (and the CLI's exit status) can tell a bad inventory from other failures. */
export const INVENTORY_ERROR_CODE = 'E_INVENTORY';

/** `inventory.yaml:12:5: hosts[2].addresses[0]: expected ...` */
export function formatIssue(issue: InventoryIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/**
 * Every problem found in one inventory, thrown at once so the user fixes them in one pass.
 * The message is one line per issue, in file order.
 */
export class InventoryError extends Error {
  readonly code = INVENTORY_ERROR_CODE;
  readonly issues: readonly InventoryIssue[];

  constructor(issues: readonly InventoryIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InventoryError';
    this.issues = issues;
  }
}

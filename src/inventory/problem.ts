import type { DataPath, Target } from './yaml-locate.js';

/** A problem found in the parsed data, before it is located in the file. */
export interface Problem {
  readonly path: DataPath;
  /** Point at the key (unknown/duplicate keys) or at the value (everything else). */
  readonly target: Target;
  /** Never a secret value: see ./errors.ts. */
  readonly message: string;
}

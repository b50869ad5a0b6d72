import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Secret } from '../core/secret.js';

/** Where secret references resolve: the environment, and files relative to the inventory. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
}

export type SecretResolution =
  | { readonly ok: true; readonly secret: Secret }
  /** `field` is the key of the reference to point at (env or file); the message names no value. */
  | { readonly ok: false; readonly field: 'env' | 'file'; readonly message: string };

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
};

/**
 * The secret a reference points at. Messages name the variable or the file, never what they hold.
 * A secret file's trailing newline(s) are not part of the secret (editors add one).
 */
export function resolveSecretRef(ref: { readonly env: string } | { readonly file: string }, source: SecretSource): SecretResolution {
  if ('env' in ref) {
    const value = source.env[ref.env];
    if (value === undefined) return { ok: false, field: 'env', message: `environment variable ${ref.env} is not set` };
    if (value === '') return { ok: false, field: 'env', message: `environment variable ${ref.env} is empty` };
    return { ok: true, secret: new Secret(value) };
  }
  const path = resolve(source.baseDir, ref.file);
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, field: 'file', message: `cannot read secret file ${path}: ${ERRNO_TEXT[code] ?? code}` };
  }
  const value = content.replace(/[\r\n]+$/, '');
  if (value === '') return { ok: false, field: 'file', message: `secret file ${path} is empty` };
  return { ok: true, secret: new Secret(value) };
}

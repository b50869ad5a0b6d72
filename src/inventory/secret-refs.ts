import { resolve } from 'node:path';
import { Secret } from '../core/secret.js';
import { readBoundedFile } from './bounded-file.js';

/**
 * The largest secret file read: 64 KiB. A password, a community or a private key (an RSA-8192
 * key in PEM is under 7 KiB) is far smaller; anything larger is the wrong file.
 */
export const SECRET_FILE_LIMIT = 64 * 2 ** 10;

/** Where secret references resolve: the environment, and files relative to the inventory. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
}

export type SecretResolution =
  | { readonly ok: true; readonly secret: Secret }
  /** `field` is the key of the reference to point at (env or file); the message names no value. */
  | { readonly ok: false; readonly field: 'env' | 'file'; readonly message: string };

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
  const read = readBoundedFile(path, SECRET_FILE_LIMIT, 'secret file');
  if (!read.ok) return { ok: false, field: 'file', message: read.reason };
  const content = read.text;
  const value = content.replace(/[\r\n]+$/, '');
  if (value === '') return { ok: false, field: 'file', message: `secret file ${path} is empty` };
  return { ok: true, secret: new Secret(value) };
}

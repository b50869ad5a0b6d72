import { resolve } from 'node:path';
import type { Problem } from './problem.js';
import { mapAt } from './raw.js';
import { resolveSecretRef, type SecretSource } from './secret-refs.js';
import type { ResponderSettings } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `responder.token` reference, resolved like a credential secret. With `require`, a token that
 * cannot be read is a problem; without (`plan`), the section is kept with no token, so that
 * `respond` can say where it looked. A malformed reference is the schema's to report.
 */
export function resolveResponderToken(
  data: unknown,
  source: SecretSource,
  require: boolean,
): { settings?: ResponderSettings; problems: Problem[] } {
  const ref = mapAt(mapAt(data, 'responder'), 'token');
  if (ref === undefined || Object.keys(ref).length !== 1) return { problems: [] };
  let parsed: { env: string } | { file: string };
  let tokenSource: string;
  if (typeof ref.env === 'string' && ENV_NAME.test(ref.env)) {
    parsed = { env: ref.env };
    tokenSource = `environment variable ${ref.env}`;
  } else if (typeof ref.file === 'string' && ref.file !== '') {
    parsed = { file: ref.file };
    tokenSource = `file ${resolve(source.baseDir, ref.file)}`;
  } else {
    return { problems: [] };
  }
  const resolution = resolveSecretRef(parsed, source);
  if (resolution.ok) return { settings: { token: resolution.secret, tokenSource }, problems: [] };
  const problems: Problem[] = require
    ? [{ path: ['responder', 'token', resolution.field], target: 'value', message: resolution.message }]
    : [];
  return { settings: { tokenSource }, problems };
}

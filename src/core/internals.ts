/**
 * The one switch for the shortcuts through Node's and libraries' internals that bought a
 * measured gain (docs/benchmarks.md, "Public APIs"): `PSM_NETCHECK_INTERNALS=1`. Off by default,
 * and then only public, documented APIs run. An internal API can change in any Node or library
 * patch release; each shortcut checks the shape it expects when it loads and falls back to the
 * public path when that is not there, and CI runs the whole test suite both ways.
 *
 * Read once, when the process starts: a run never mixes the two.
 */
export const INTERNALS_VARIABLE = 'PSM_NETCHECK_INTERNALS';

export type InternalsSetting = { readonly ok: true; readonly enabled: boolean } | { readonly ok: false; readonly message: string };

/** `1` on; unset, empty or `0` off; anything else is a mistake to report, not to guess at. */
export function internalsSetting(env: NodeJS.ProcessEnv = process.env): InternalsSetting {
  const value = env[INTERNALS_VARIABLE];
  if (value === undefined || value === '' || value === '0') return { ok: true, enabled: false };
  if (value === '1') return { ok: true, enabled: true };
  return { ok: false, message: `${INTERNALS_VARIABLE}=${JSON.stringify(value).slice(0, 40)}: use 1 (on) or 0 (off)` };
}

const setting = internalsSetting();

/** Whether this process uses the internal shortcuts (an invalid value counts as off; the CLI refuses it). */
export const useInternals: boolean = setting.ok && setting.enabled;

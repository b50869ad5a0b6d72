import { describe, expect, it } from 'vitest';
import { internalsSetting } from '../src/core/internals.js';
import { runCli } from './support/cli.js';

describe('PSM_NETCHECK_INTERNALS, the one switch for the internal shortcuts', () => {
  it('is off unless set to 1, and says what it accepts when set to anything else', () => {
    expect(internalsSetting({})).toEqual({ ok: true, enabled: false });
    expect(internalsSetting({ PSM_NETCHECK_INTERNALS: '' })).toEqual({ ok: true, enabled: false });
    expect(internalsSetting({ PSM_NETCHECK_INTERNALS: '0' })).toEqual({ ok: true, enabled: false });
    expect(internalsSetting({ PSM_NETCHECK_INTERNALS: '1' })).toEqual({ ok: true, enabled: true });
    const wrong = internalsSetting({ PSM_NETCHECK_INTERNALS: 'yes' });
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.ok ? '' : wrong.message).toBe('PSM_NETCHECK_INTERNALS="yes": use 1 (on) or 0 (off)');
  });

  it('a mistyped value stops the CLI before anything runs (exit 2, E_USAGE), rather than quietly running the other way', async () => {
    const run = await runCli(['matrix', '--json'], { env: { PSM_NETCHECK_INTERNALS: 'true' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('psm-netcheck: E_USAGE: PSM_NETCHECK_INTERNALS="true": use 1 (on) or 0 (off)\n');
  });
});

import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES, FORMATTERS, isFormatName } from '../../src/report/index.js';
import { formatJson } from '../../src/report/json.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';

describe('format registry', () => {
  it('names every format the CLI offers', () => {
    expect(FORMAT_NAMES).toEqual(['json', 'human', 'wide', 'prom', 'nagios', 'junit', 'html']);
    expect(isFormatName('prom')).toBe(true);
    expect(isFormatName('toString')).toBe(false);
  });

  it('gives text for every format, and the Nagios exit code', () => {
    for (const name of FORMAT_NAMES) {
      const output = FORMATTERS[name].format(SAMPLE_REPORT, { color: false });
      expect(output.text.length, name).toBeGreaterThan(100);
      expect(output.text.endsWith('\n'), name).toBe(true);
    }
    expect(FORMATTERS.json.format(SAMPLE_REPORT, { color: false }).text).toBe(formatJson(SAMPLE_REPORT));
    expect(FORMATTERS.nagios.format(SAMPLE_REPORT, { color: false }).exitCode).toBe(2);
    expect(FORMATTERS.human.format(SAMPLE_REPORT, { color: true }).text).toContain('\u001b[1;31mFAIL');
  });
});

import { describe, expect, it } from 'vitest';
import { formatHuman } from '../../src/report/human.js';
import type { Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';

const ESC = '\u001b';

describe('formatHuman', () => {
  it('matches the golden files, plain and coloured', () => {
    expectGolden('report.txt', formatHuman(SAMPLE_REPORT, { color: false }));
    expectGolden('report.color.txt', formatHuman(SAMPLE_REPORT, { color: true }));
  });

  it('prints no escape sequence without colour, even from a hostile peer message', () => {
    const text = formatHuman(SAMPLE_REPORT, { color: false });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\r');
    expect(text).toContain('peer said <script>alert("pwned")</script>\\n"quoted" & \'single\'\\r\\n\\u001b[31mred');
  });

  it('colours only with plain SGR codes, and never lets the peer emit its own', () => {
    const text = formatHuman(SAMPLE_REPORT, { color: true });
    // eslint-disable-next-line no-control-regex
    const sequences = new Set(text.match(/\u001b\[[0-9;]*m/g));
    expect([...sequences].sort()).toEqual(['\u001b[0m', '\u001b[1;31m', '\u001b[1m', '\u001b[2m', '\u001b[32m', '\u001b[33m', '\u001b[36m']);
    // The peer's ESC[31m appears only as visible text.
    expect(text).toContain('\\u001b[31mred');
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(formatHuman(SAMPLE_REPORT, { color: false }));
  });

  it('groups by path, then by host with failures first, with aligned columns', () => {
    const lines = formatHuman(SAMPLE_REPORT, { color: false }).split('\n');
    const headings = lines.filter((line) => line.startsWith('psm-server -> '));
    expect(headings).toEqual([
      'psm-server -> psm-server (table 2: PSM server to PSM server)',
      'psm-server -> network-element (table 3: PSM server to network element)',
      'psm-server -> noc (table 5: PSM server to network operations center)',
      'psm-server -> radius-server (table 6: PSM server to external RADIUS server)',
      'psm-server -> ntp-server (table 7: PSM server to other hosts)',
      'psm-server -> network-element (inventory paths)',
    ]);
    const table3 = lines.slice(lines.indexOf(headings[1] ?? '') + 2, lines.indexOf(headings[2] ?? '') - 1);
    expect(table3.map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'FAIL ne-east-1',
      'WARN ne-east-1',
      'PASS ne-east-1',
      'FAIL ne-west-2',
      'SKIP ne-west-2',
    ]);
    const messageColumn = lines.filter((line) => line.trimStart().startsWith('VERDICT')).map((line) => line.indexOf('MESSAGE'));
    expect(new Set(messageColumn).size).toBe(1);
    const firstRow = table3[0] ?? '';
    expect(firstRow.indexOf('ICMP port unreachable')).toBe(messageColumn[0]);
  });

  it('shows findings, the expected state when it is not open, and what could not be tested', () => {
    const text = formatHuman(SAMPLE_REPORT, { color: false });
    expect(text).toContain('warn radius-no-message-authenticator: the reply has no Message-Authenticator');
    expect(text).toContain('closed (refused, expected closed)');
    expect(text).toMatch(/Not testable from here \(2\)\n {2}t3-snmp-trap +network-element -> psm-server +udp\/162 /);
    expect(text).toContain('testable from ne-east-1, ne-west-2');
  });

  it('shows the changes since the compared run, and leaves them out when there is none', () => {
    const text = formatHuman(SAMPLE_REPORT, { color: false });
    expect(text).toContain('Changes since 2026-05-03T10:00:00.000Z: 1 new failure, 1 recovery, 1 added, 1 removed');
    expect(text).toMatch(/new failure +ne-west-2\/198\.51\.100\.22\/tcp\/830\/netconf/);
    const { changes: _changes, ...uncompared } = SAMPLE_REPORT;
    expect(formatHuman(uncompared, { color: false })).not.toContain('Changes since');
  });

  it('ends with one summary line that says when the run was interrupted', () => {
    const summaryOf = (report: Report) => formatHuman(report, { color: false }).trimEnd().split('\n').at(-1);
    expect(summaryOf(SAMPLE_REPORT)).toBe(
      'Summary: 12 results (3 fail, 3 warn, 1 skip, 5 pass), 2 not testable from here, 4.321 s, complete',
    );
    expect(summaryOf({ ...SAMPLE_REPORT, complete: false })).toContain('INCOMPLETE: interrupted');
  });

  it('says so when no probe ran', () => {
    const empty: Report = {
      ...SAMPLE_REPORT,
      results: [],
      notTestable: [],
      changes: undefined,
      summary: { pass: 0, warn: 0, fail: 0, skip: 0, total: 0 },
    };
    const text = formatHuman(empty, { color: false });
    expect(text).toContain('No probe ran from this vantage.');
    expect(text).not.toContain('Not testable');
  });
});

import { describe, expect, it } from 'vitest';
import { ELLIPSIS } from '../../src/report/columns.js';
import { formatHuman } from '../../src/report/human.js';
import { formatHumanWide } from '../../src/report/human-wide.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';

const ESC = '\u001b';
// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');
const lines = (text: string): string[] => text.trimEnd().split('\n');
const human = (report: Report, width?: number, verbose = false): string =>
  formatHuman(report, { color: false, ...(width === undefined ? {} : { width }), verbose });

/** The sample stretched: names, addresses and messages as long as real inventories and peers make them. */
function longReport(): Report {
  const long = (result: ProbeResult, index: number): ProbeResult => ({
    ...result,
    target: `${result.target}.site-${index}.operations.example-operator.net`,
    application: `${result.application}, as the inventory's description tells it at some length`,
    message: `${result.message} - ${'and then the peer kept talking '.repeat(8)}`,
  });
  return {
    ...SAMPLE_REPORT,
    inventory: `/etc/psm-netcheck/deployments/east/${'very/deep/'.repeat(10)}inventory.production.yaml`,
    results: SAMPLE_REPORT.results.map(long),
    notTestable: SAMPLE_REPORT.notTestable.map((entry) => ({ ...entry, from: `${entry.from} ${'x'.repeat(80)}` })),
  };
}

describe('formatHuman', () => {
  it('matches the golden files, plain and coloured, and the wide form', () => {
    expectGolden('report.txt', human(SAMPLE_REPORT));
    expectGolden('report.color.txt', formatHuman(SAMPLE_REPORT, { color: true }));
    expectGolden('report.wide.txt', formatHumanWide(SAMPLE_REPORT, { color: false }));
  });

  it.each([80, 100, 120])('fits every line in %i columns, in colour too, however long the names and messages', (width) => {
    for (const report of [SAMPLE_REPORT, longReport()]) {
      for (const verbose of [false, true]) {
        const text = formatHuman(report, { color: true, width, verbose });
        const tooLong = lines(plain(text)).filter((line) => Array.from(line).length > width);
        expect(tooLong, `width ${width}, verbose ${verbose}`).toEqual([]);
        expect(lines(plain(text)).some((line) => line.endsWith(' '))).toBe(false);
      }
    }
    // Cut with an ellipsis, never padded out to the longest value.
    const text = human(longReport(), width);
    expect(text).toContain(ELLIPSIS);
    expect(lines(text).find((line) => line.startsWith('Inventory '))).toMatch(new RegExp(`^Inventory ${ELLIPSIS}.*inventory\\.production\\.yaml$`));
  });

  it('fits 100 columns by default', () => {
    expect(Math.max(...lines(human(longReport())).map((line) => Array.from(line).length))).toBeLessThanOrEqual(100);
  });

  it('prints no escape sequence without colour, even from a hostile peer message', () => {
    for (const text of [human(SAMPLE_REPORT, 200), formatHumanWide(SAMPLE_REPORT, { color: false })]) {
      expect(text).not.toContain(ESC);
      expect(text).not.toContain('\r');
      expect(text).toContain('peer said <script>alert("pwned")</script>\\n"quoted"');
    }
  });

  it('colours only with plain SGR codes, and never lets the peer emit its own', () => {
    const text = formatHuman(SAMPLE_REPORT, { color: true, width: 200 });
    // eslint-disable-next-line no-control-regex
    const sequences = new Set(text.match(/\u001b\[[0-9;]*m/g));
    expect([...sequences].sort()).toEqual(['\u001b[0m', '\u001b[1;31m', '\u001b[1m', '\u001b[2m', '\u001b[32m', '\u001b[33m', '\u001b[36m']);
    expect(text).toContain('\\u001b[31mred');
    expect(plain(text)).toBe(human(SAMPLE_REPORT, 200));
  });

  it('lists what needs attention first, one line each: verdict, path, target, port, diagnosis', () => {
    const text = lines(human(SAMPLE_REPORT, 200));
    const start = text.indexOf('Needs attention: 3 fail, 3 warn, 1 skip');
    expect(start).toBeGreaterThan(0);
    const attention = text.slice(start + 1, text.indexOf('', start));
    expect(attention.map((line) => line.trim().split(/\s{2,}/).slice(0, 4).join(' | '))).toEqual([
      'FAIL | T2 to server | psm2 | tcp/9999',
      'FAIL | T3 to NE | ne-east-1 | udp/161',
      // A target with results on two addresses: its lines name the address.
      'FAIL | T3 to NE | ne-west-2 198.51.100.22 | tcp/830',
      'WARN | T3 to NE | ne-east-1 | tcp/22',
      'WARN | T5 to NOC | noc1 | udp/162',
      'WARN | T6 to RADIUS | radius1 | udp/1812',
      'SKIP | T3 to NE | ne-west-2 2001:db8::22 | udp/161',
    ]);
    const timeout = attention[0] ?? '';
    expect(timeout).toMatch(/tcp\/9999 {2}no answer within 2000 ms \(2 attempts\)$/);
    // The diagnosis in words, never the state and reason codes again.
    for (const result of SAMPLE_REPORT.results) {
      const line = attention.find((candidate) => candidate.includes(result.message.slice(0, 20)));
      if (line !== undefined) expect(line).not.toContain(`${result.state} (${result.reason}`);
    }
  });

  it('collapses the passes to one line per path unless verbose', () => {
    const text = human(SAMPLE_REPORT, 200);
    expect(text).toContain('Passed: 5 results on 4 paths (--verbose lists each)');
    expect(text).toMatch(/\n {2}PASS {2}T3 to NE +1 on ne-east-1: NETCONF\n/);
    expect(text).toMatch(/\n {2}PASS {2}inv to NE +1 on ne-east-1: no-telnet-from-psm\n/);
    // The inventory path's free-text application is not shown: its id is.
    expect(text).not.toContain('MariaDB 10.11.6 sent its handshake');

    const verbose = human(SAMPLE_REPORT, 200, true);
    expect(verbose).toContain('Passed: 5 results\n');
    expect(verbose).toMatch(/\n {2}PASS {2}T2 to server +psm2 +tcp\/3306 {2}MariaDB 10\.11\.6 sent its handshake\n/);
    expect(verbose).not.toContain('--verbose lists each');
  });

  it('groups what cannot be tested from here by cause, with the hosts and one way to verify each group', () => {
    const text = human(SAMPLE_REPORT, 100);
    expect(text).toContain('Not testable from here: 3 paths in 2 groups (`psm-netcheck plan` lists each)\n');
    const group = text.slice(text.indexOf('  inbound to psm1'));
    expect(group.split('\n').slice(0, 5)).toEqual([
      '  inbound to psm1: the network-element side opens this path (2 paths)',
      '    network-element (2 hosts) -> psm1: t3-snmp-trap, t3-ntp',
      "    to verify: run `psm-netcheck check` from a Linux host in the network elements' network, declared",
      '      in the inventory as a network-element of the same neType (an NE cannot run psm-netcheck)',
      '  between other hosts: psm1 takes no part (1 path)',
    ]);
    // Paths of one cause that start from different host sets name the hosts.
    const mixed: Report = {
      ...SAMPLE_REPORT,
      notTestable: SAMPLE_REPORT.notTestable.map((entry) => (entry.row === 't3-ntp' ? { ...entry, from: 'ne-east-1' } : entry)),
    };
    expect(human(mixed, 100)).toContain('    2 hosts (ne-east-1, ne-west-2) -> psm1: t3-snmp-trap, t3-ntp\n');
    expect(text.match(/to verify:/g)).toHaveLength(2);
  });

  it('says how each of the vendor\'s tables fared, all eight of them', () => {
    const text = lines(human(SAMPLE_REPORT, 100));
    const start = text.findIndex((line) => line.startsWith('By table'));
    expect(text[start + 1]?.trim().split(/\s{2,}/)).toEqual(['VERDICT', 'TABLE', 'PASS', 'WARN', 'FAIL', 'SKIP', 'NOT TESTABLE']);
    const rows = text.slice(start + 2, start + 11).map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['-', 'T1 PSM client to PSM server', '-', '-', '-', '-', '1'],
      ['FAIL', 'T2 PSM server to PSM server', '2', '-', '1', '-', '-'],
      // The SSH probe serves rows of tables 3 and 4: it counts in both.
      ['FAIL', 'T3 PSM server to network element', '1', '1', '2', '1', '2'],
      ['WARN', 'T4 PSM client to network element', '-', '1', '-', '-', '-'],
      ['WARN', 'T5 PSM server to network operations center', '-', '1', '-', '-', '-'],
      ['WARN', 'T6 PSM server to external RADIUS server', '-', '1', '-', '-', '-'],
      ['PASS', 'T7 PSM server to other hosts', '1', '-', '-', '-', '-'],
      ['-', 'T8 BTI7800 port usage', '-', '-', '-', '-', '-'],
      ['PASS', 'inv paths declared in the inventory', '1', '-', '-', '-', '-'],
    ]);
  });

  it('shows the changes since the compared run, and leaves them out when there is none', () => {
    const text = human(SAMPLE_REPORT);
    expect(text).toContain('Changes since 2026-05-03T10:00:00.000Z: 1 new failure, 1 recovery, 1 added, 1 removed');
    expect(text).toMatch(/new failure +ne-west-2\/198\.51\.100\.22\/tcp\/830\/netconf/);
    const { changes: _changes, ...uncompared } = SAMPLE_REPORT;
    expect(human(uncompared)).not.toContain('Changes since');
  });

  it('ends with the summary, wrapped to the width, that says when the run was interrupted', () => {
    const summaryOf = (report: Report, width: number) => {
      const text = lines(human(report, width));
      return text.slice(text.findIndex((line) => line.startsWith('Summary:'))).join('\n');
    };
    expect(summaryOf(SAMPLE_REPORT, 100)).toBe(
      'Summary: 12 results (3 fail, 3 warn, 1 skip, 5 pass), 3 not testable from here, 4.321 s, complete',
    );
    expect(summaryOf(SAMPLE_REPORT, 80)).toBe(
      'Summary: 12 results (3 fail, 3 warn, 1 skip, 5 pass), 3 not testable from here,\n  4.321 s, complete',
    );
    expect(summaryOf({ ...SAMPLE_REPORT, complete: false }, 100).replace(/\n +/g, ' ')).toContain(
      'INCOMPLETE: interrupted before every probe finished',
    );
  });

  it('says so when no probe ran', () => {
    const empty: Report = {
      ...SAMPLE_REPORT,
      results: [],
      notTestable: [],
      changes: undefined,
      summary: { pass: 0, warn: 0, fail: 0, skip: 0, total: 0 },
    };
    const text = human(empty);
    expect(text).toContain('No probe ran from this vantage.');
    expect(text).not.toContain('Not testable');
    expect(text).not.toContain('Needs attention');
  });
});

describe('formatHumanWide', () => {
  it('keeps every column of every result, with its findings and the full list of paths not testable', () => {
    const text = formatHumanWide(SAMPLE_REPORT, { color: false });
    const headings = lines(text).filter((line) => line.startsWith('psm-server -> '));
    expect(headings).toHaveLength(6);
    expect(text).toContain('warn radius-no-message-authenticator: the reply has no Message-Authenticator');
    expect(text).toContain('closed (refused, expected closed)');
    expect(text).toMatch(/Not testable from here \(3\)\n {2}t3-snmp-trap +network-element \(2 hosts\) -> psm1 +udp\/162 /);
    expect(text).toContain('testable from ne-east-1, ne-west-2; to verify: run `psm-netcheck check` from a Linux host');
    expect(text).not.toContain(ELLIPSIS);
  });
});

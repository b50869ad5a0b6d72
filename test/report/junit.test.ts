import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../../probes/reason-catalogue.js';
import { formatJunit } from '../../src/report/junit.js';
import type { Report } from '../../src/report/types.js';
import { judge } from '../../src/verdict/judge.js';
import { oneLine } from '../../src/report/text.js';
import { HOSTILE_MESSAGE, SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';

type Node = Record<string, unknown>;

function parseJunit(xml: string): { suites: Node[]; root: Node } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  const document = parser.parse(xml, true) as { testsuites: Node & { testsuite: Node[] } };
  return { suites: document.testsuites.testsuite, root: document.testsuites };
}

const cases = (suite: Node) => suite.testcase as Node[];

describe('formatJunit', () => {
  it('matches the golden file', () => {
    expectGolden('report.junit.xml', formatJunit(SAMPLE_REPORT));
  });

  it('is well-formed XML with one suite per path and one case per result', () => {
    const { suites, root } = parseJunit(formatJunit(SAMPLE_REPORT));
    expect(suites.map((suite) => suite.name)).toEqual([
      'psm-server -> psm-server (table 2: PSM server to PSM server)',
      'psm-server -> network-element (table 3: PSM server to network element)',
      'psm-server -> noc (table 5: PSM server to network operations center)',
      'psm-server -> radius-server (table 6: PSM server to external RADIUS server)',
      'psm-server -> ntp-server (table 7: PSM server to other hosts)',
      'psm-server -> network-element (inventory paths)',
    ]);
    expect(suites.flatMap(cases)).toHaveLength(SAMPLE_REPORT.results.length);
    expect(root).toMatchObject({ tests: '12', failures: '3', skipped: '1', errors: '0' });
    for (const suite of suites) expect(suite.tests).toBe(String(cases(suite).length));
  });

  it('names cases "application target address transport/port" and marks fail, skip and warn', () => {
    const all = parseJunit(formatJunit(SAMPLE_REPORT)).suites.flatMap(cases);
    const byName = (name: string) => all.find((testcase) => testcase.name === name);
    expect(byName('Replication psm2 192.0.2.11 tcp/9999')?.failure).toMatchObject({
      type: 'timeout',
      message: 'filtered (timeout): no answer within 2000 ms (2 attempts)',
    });
    expect(byName('SNMP ne-west-2 2001:db8::22 udp/161')?.skipped).toMatchObject({
      message: 'error (local-error): not tested: this host has no IPv6 source address',
    });
    expect(byName('RADIUS radius1 192.0.2.50 udp/1812')?.['system-out']).toContain(
      'finding warn radius-no-message-authenticator',
    );
    expect(byName('ICMP psm2 192.0.2.11 icmp')).not.toHaveProperty('failure');
  });

  it('carries the hostile message as text: escaped markup, visible control characters', () => {
    const xml = formatJunit(SAMPLE_REPORT);
    expect(xml).not.toContain('<script>');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const failure = parseJunit(xml)
      .suites.flatMap(cases)
      .find((testcase) => testcase.name === 'NETCONF ne-west-2 198.51.100.22 tcp/830')?.failure as Node;
    expect(failure.message).toBe(`open (unexpected-protocol): ${oneLine(HOSTILE_MESSAGE)}`);
    expect(failure['#text']).toContain('peer said <script>alert("pwned")</script>\n"quoted" & \'single\'\\r\n\\u001b[31mred');
    expect(failure['#text']).toContain('evidence banner: <script>alert(1)</script>');
  });

  it('states the observed state once: the message from the verdict step does not repeat it', () => {
    const first = SAMPLE_REPORT.results[0];
    if (first === undefined) throw new Error('sample has no result');
    const facts = { state: 'open', reason: 'auth-failed', timings: { total: 1 }, message: 'the server refused the credentials of user "netcheck"' } as const;
    const { verdict, message } = judge('open', facts, REASONS);
    const report: Report = { ...SAMPLE_REPORT, results: [{ ...first, state: 'open', reason: 'auth-failed', verdict, message }] };
    const failure = parseJunit(formatJunit(report)).suites.flatMap(cases)[0]?.failure as Node;
    expect(String(failure.message).split('open (auth-failed)')).toHaveLength(2);
    expect(String(failure['#text']).split('open (auth-failed)')).toHaveLength(2);
    expect(failure.message).toContain('the server refused the credentials of user "netcheck"');
  });

  it('adds an erroring case when the run was interrupted', () => {
    const { suites, root } = parseJunit(formatJunit({ ...SAMPLE_REPORT, complete: false }));
    expect(root.errors).toBe('1');
    expect(suites.at(-1)?.name).toBe('run');
    expect(cases(suites.at(-1) ?? {})[0]?.error).toMatchObject({ type: 'interrupted' });
  });
});

import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';
import { diagnosis, observedState } from './diagnosis.js';
import { groupByPath } from './paths.js';
import { evidenceEntries, multiLine, oneLine, seconds, transportPort } from './text.js';
import type { ProbeResult, Report } from './types.js';
import { failuresFirst } from './verdicts.js';

/**
 * JUnit XML for CI dashboards: one testsuite per path (seed table, initiator -> target role), one
 * testcase per probe result. Fails are <failure>, skips are <skipped>, and warnings pass with
 * their diagnosis in <system-out>. An interrupted run adds one erroring testcase, so a CI job
 * cannot mistake a partial run for a green one.
 */
export function formatJunit(report: Report): string {
  const suites: XmlNode[] = groupByPath(report).map(({ path, results }) => ({
    ...suiteAttributes(path.label, [...results].sort(failuresFirst), report),
    testcase: [...results].sort(failuresFirst).map((result) => testCase(result, path.key)),
  }));
  if (!report.complete) suites.push(interruptedSuite(report));

  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': xmlText(`psm-netcheck ${report.inventory} from ${report.vantage.name}`, true),
      '@_tests': String(report.summary.total + (report.complete ? 0 : 1)),
      '@_failures': String(report.summary.fail),
      '@_errors': report.complete ? '0' : '1',
      '@_skipped': String(report.summary.skip),
      '@_time': seconds(report.durationMs),
      '@_timestamp': xmlText(report.startedAt, true),
      testsuite: suites,
    },
  };
  return `${String(xmlBuilder().build(document)).trimEnd()}\n`;
}

let builder: FastXmlParser.XMLBuilder | undefined;

/**
 * Made on the first JUnit report, from fast-xml-parser's CommonJS build: built when this module
 * was imported, it made every check start later (the package's ES module tree) for a format most
 * runs do not ask for; its CommonJS build is one bundled file (docs/benchmarks.md, item 19).
 */
function xmlBuilder(): FastXmlParser.XMLBuilder {
  if (builder === undefined) {
    const library = createRequire(import.meta.url)('fast-xml-parser') as typeof FastXmlParser;
    builder = new library.XMLBuilder({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      format: true,
      indentBy: '  ',
      suppressEmptyNode: true,
    });
  }
  return builder;
}

type XmlNode = Record<string, unknown>;

function suiteAttributes(name: string, results: readonly ProbeResult[], report: Report): XmlNode {
  const count = (verdict: ProbeResult['verdict']): string =>
    String(results.filter((result) => result.verdict === verdict).length);
  return {
    '@_name': xmlText(name, true),
    '@_tests': String(results.length),
    '@_failures': count('fail'),
    '@_errors': '0',
    '@_skipped': count('skip'),
    '@_time': seconds(results.reduce((sum, result) => sum + result.timings.total, 0)),
    '@_timestamp': xmlText(report.startedAt, true),
    '@_hostname': xmlText(report.vantage.name, true),
  };
}

function testCase(result: ProbeResult, pathKey: string): XmlNode {
  const node: XmlNode = {
    '@_name': xmlText(
      `${result.application} ${result.target} ${result.address} ${transportPort(result)}`,
      true,
    ),
    '@_classname': xmlText(`psm-netcheck.${pathKey}`, true),
    '@_time': seconds(result.timings.total),
  };
  const headline = xmlText(`${observedState(result)}: ${diagnosis(result)}`, true);
  if (result.verdict === 'fail') {
    node.failure = { '@_message': headline, '@_type': xmlText(result.reason, true), '#text': body(result) };
  } else if (result.verdict === 'skip') {
    node.skipped = { '@_message': headline };
  } else if (result.verdict === 'warn') {
    node['system-out'] = { '#text': `WARN ${body(result)}` };
  }
  return node;
}

function interruptedSuite(report: Report): XmlNode {
  return {
    '@_name': 'run',
    '@_tests': '1',
    '@_failures': '0',
    '@_errors': '1',
    '@_skipped': '0',
    '@_time': seconds(report.durationMs),
    '@_timestamp': xmlText(report.startedAt, true),
    '@_hostname': xmlText(report.vantage.name, true),
    testcase: [
      {
        '@_name': 'run completed',
        '@_classname': 'psm-netcheck.run',
        '@_time': seconds(report.durationMs),
        error: {
          '@_message': 'the run was interrupted before every probe finished',
          '@_type': 'interrupted',
        },
      },
    ],
  };
}

/** The multi-line body: what was seen, why, and the evidence behind it. */
function body(result: ProbeResult): string {
  const lines = [
    `${observedState(result)}: ${diagnosis(result)}`,
    `id: ${result.id}`,
    `rows: ${result.rows.join(', ') || '-'}`,
    `attempts: ${result.attempts}`,
    ...evidenceEntries(result.evidence).map(([key, value]) => `evidence ${key}: ${value}`),
    ...result.findings.map((finding) => `finding ${finding.severity} ${finding.code}: ${finding.message}`),
  ];
  return xmlText(lines.join('\n'), false);
}

/**
 * XML 1.0 cannot carry most control characters at all, not even as references: show them as
 * visible escapes (CR too, which parsers would silently fold into the line feed). Attributes become one line (a raw newline there is normalised to a space by
 * every parser). The builder escapes markup characters itself.
 */
function xmlText(text: string, attribute: boolean): string {
  const visible = attribute ? oneLine(text) : multiLine(text);
  return visible.replace(
    /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHtml } from '../../src/report/html.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { binary, missing, titleWith } from '../support/skip.js';
import { expectGolden } from './golden.js';

const CHROMIUM = '/usr/bin/chromium';
const html = formatHtml(SAMPLE_REPORT);

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`no ${start}...${end} in the page`);
  return text.slice(from + start.length, to);
}

describe('formatHtml', () => {
  it('matches the golden file', () => {
    expectGolden('report.html', html);
  });

  it('is self-contained: no external reference, and the CSP allows only its own style and script', () => {
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\//);
    const csp = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">');
    const sha = (content: string) => `'sha256-${createHash('sha256').update(content).digest('base64')}'`;
    expect(csp).toBe(
      `default-src 'none'; style-src ${sha(between(html, '<style>', '</style>'))}; ` +
        `script-src ${sha(between(html, '<script>', '</script>'))}; base-uri 'none'; form-action 'none'`,
    );
  });

  it('escapes everything that came from the results', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('</td></table>\n');
    expect(html).toContain(
      'peer said &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;\n&quot;quoted&quot; &amp; &#39;single&#39;\\r\n\\u001b[31mred&lt;/td&gt;&lt;/table&gt;',
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});

const why = missing(binary(CHROMIUM));

describe.skipIf(why !== undefined)(titleWith('formatHtml in headless Chromium', why), () => {
  let directory = '';
  let page = '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'psm-netcheck-html-'));
    page = join(directory, 'report.html');
    await writeFile(page, html);
  });

  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** The DOM after load and after the page's script ran. */
  async function renderedDom(fragment = ''): Promise<string> {
    const profile = await mkdtemp(join(directory, 'profile-'));
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--dump-dom',
        `${pathToFileURL(page).href}${fragment}`,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  }

  it('runs its script under its own CSP and renders the grid and the failures', async () => {
    const dom = await renderedDom();
    expect(dom).toContain('<html lang="en" data-ready="true">');

    const grid = between(dom, '<table id="grid">', '</table>');
    const header = [...between(grid, '<thead>', '</thead>').matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(header).toEqual(['Host', 'CLI (SSH)', 'ICMP', 'MySQL', 'NETCONF', 'NTP', 'RADIUS', 'Replication', 'SNMP', 'SNMP traps', 'no-telnet-from-psm']);
    const rows = [...grid.matchAll(/<tr data-host="([^"]+)"[^>]*>(.*?)<\/tr>/gs)].map(([, host, cells]) => [
      host,
      [...(cells ?? '').matchAll(/<td class="cell[^"]*"(?: data-verdict="(\w+)")?/g)].map((m) => m[1] ?? '-').join(' '),
    ]);
    expect(Object.fromEntries(rows)).toEqual({
      'ne-east-1': 'warn - - pass - - - fail - pass',
      'ne-west-2': '- - - fail - - - skip - -',
      noc1: '- - - - - - - - warn -',
      ntp1: '- - - - pass - - - - -',
      psm2: '- pass pass - - - fail - - -',
      radius1: '- - - - - warn - - - -',
    });

    const failures = between(dom, '<section id="failures">', '</section>');
    const verdicts = [...failures.matchAll(/<article class="diagnosis v-(\w+)"/g)].map((m) => m[1]);
    expect(verdicts).toEqual(['fail', 'fail', 'fail', 'warn', 'warn', 'warn']);
    expect(failures).toContain('open (unexpected-protocol)');
    expect(failures).toContain('<caption>Evidence</caption>');
    expect(failures).toContain('radius-no-message-authenticator');

    // The hostile message stayed text: the page still has exactly one script element.
    expect(dom.match(/<script/g)).toHaveLength(1);
    expect(dom).toContain('peer said &lt;script&gt;alert("pwned")&lt;/script&gt;');
    expect(between(dom, '<section id="not-testable">', '</section>')).toContain('t3-snmp-trap');
  });

  it('filters by path from the address fragment', async () => {
    const dom = await renderedDom('#path=t3-psm-server-network-element');
    const results = between(dom, '<table id="results-table">', '</table>');
    const shown = [...results.matchAll(/<tr id="r\d+"[^>]*>/g)].filter(([tag]) => !tag.includes('hidden'));
    expect(shown.map(([tag]) => /data-path="([^"]+)"/.exec(tag)?.[1])).toEqual(Array(5).fill('t3-psm-server-network-element'));
    const hosts = [...between(dom, '<table id="grid">', '</table>').matchAll(/<tr data-host="([^"]+)"[^>]*>/g)]
      .filter(([tag]) => !tag.includes('hidden'))
      .map((m) => m[1]);
    expect(hosts).toEqual(['ne-east-1', 'ne-west-2']);
  });
});

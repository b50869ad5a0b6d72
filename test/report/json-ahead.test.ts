import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLinesAhead } from '../../src/report/json-ahead.js';
import { formatJson, jsonChunks, resultLine } from '../../src/report/json.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { writeAtomically } from '../../src/report/write-atomic.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';

/** `count` results made from the sample's, each its own object, some with multi-byte text. */
function manyResults(count: number): ProbeResult[] {
  const base = SAMPLE_REPORT.results;
  return Array.from({ length: count }, (_, i) => {
    const result = base[i % base.length] as ProbeResult;
    return { ...result, id: `r${i}`, message: i % 3 === 0 ? `${result.message} – réponse 応答 🛰 ${i}` : result.message };
  });
}

/** Lets the slices run until every line given so far is formatted (bounded: a few hundred turns). */
async function formatAll(ahead: JsonLinesAhead, expected: number): Promise<void> {
  for (let turn = 0; turn < 10_000 && ahead.ready < expected; turn++) await new Promise((resolve) => setImmediate(resolve));
}

async function writtenText(report: Report, ahead: JsonLinesAhead | undefined, dir: string): Promise<string> {
  const file = join(dir, 'report.json');
  await writeAtomically(file, jsonChunks(report, ahead));
  return readFile(file, 'utf8');
}

describe('JSON result lines formatted ahead', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-ahead-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes as formatJson, whether none, some or all lines were formatted ahead', async () => {
    // 2,500 results: three pieces of the report, and several 1 MB slabs of lines.
    const results = manyResults(2500);
    const report = { ...SAMPLE_REPORT, results };
    const expected = formatJson(report);
    for (const share of [0, 0.5, 1]) {
      const ahead = new JsonLinesAhead();
      ahead.begin();
      const early = results.slice(0, Math.round(results.length * share));
      for (const result of early) ahead.add(result);
      await formatAll(ahead, early.length);
      ahead.stop();
      expect(ahead.ready).toBe(early.length);
      expect(await writtenText(report, ahead, dir)).toBe(expected);
      // Every line was handed over: nothing is left held.
      expect(ahead.ready).toBe(0);
    }
  });

  it('formats nothing before the run has drained, then everything that finished', async () => {
    const results = manyResults(300);
    const ahead = new JsonLinesAhead();
    for (const result of results.slice(0, 200)) ahead.add(result);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ahead.ready).toBe(0);
    ahead.begin();
    for (const result of results.slice(200)) ahead.add(result);
    await formatAll(ahead, 300);
    expect(ahead.ready).toBe(300);
    ahead.stop();
  });

  it('gives the event loop back between slices', async () => {
    // Far more lines than one slice of a few milliseconds formats.
    const results = manyResults(40_000);
    const ahead = new JsonLinesAhead();
    for (const result of results) ahead.add(result);
    ahead.begin();
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      const look = (): void => {
        seen.push(ahead.ready);
        if (ahead.ready === results.length || seen.length > 100_000) resolve();
        else setImmediate(look);
      };
      setImmediate(look);
    });
    // Other callbacks ran while some but not all lines were ready.
    expect(seen.some((ready) => ready > 0 && ready < results.length)).toBe(true);
    expect(ahead.ready).toBe(results.length);
    ahead.stop();
  });

  it('hands each line over once and stops formatting when stopped', async () => {
    const [first, second] = manyResults(2) as [ProbeResult, ProbeResult];
    const ahead = new JsonLinesAhead();
    ahead.begin();
    ahead.add(first);
    await formatAll(ahead, 1);
    expect(Buffer.from(ahead.take(first) ?? []).toString('utf8')).toBe(resultLine(first));
    expect(ahead.take(first)).toBeUndefined();
    ahead.stop();
    ahead.add(second);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ahead.take(second)).toBeUndefined();
  });

  it('keeps no more than its budget, and the writer formats the rest', async () => {
    // 6,000 lines of about 500 bytes: about 3 MB, against a budget of two 1 MB slabs.
    const results = manyResults(6000);
    const report = { ...SAMPLE_REPORT, results };
    const ahead = new JsonLinesAhead(2 * 1024 * 1024);
    ahead.begin();
    for (const result of results) ahead.add(result);
    await formatAll(ahead, results.length);
    expect(ahead.ready).toBeGreaterThan(1000);
    expect(ahead.ready).toBeLessThan(results.length);
    expect(await writtenText(report, ahead, dir)).toBe(formatJson(report));
  });

  it('keeps a line longer than a slab whole', async () => {
    const [result] = manyResults(1) as [ProbeResult];
    const long = { ...result, message: 'x'.repeat(1.5 * 1024 * 1024) };
    const report = { ...SAMPLE_REPORT, results: [result, long, result] };
    const ahead = new JsonLinesAhead();
    ahead.begin();
    ahead.add(long);
    await formatAll(ahead, 1);
    expect(await writtenText(report, ahead, dir)).toBe(formatJson(report));
  });
});

import { describe, expect, it } from 'vitest';
import { ICMP_REASONS, icmpErrorReason } from '../../src/core/icmp-reasons.js';
import { REASONS } from '../../probes/reason-catalogue.js';
import { parseIcmpError } from '../../probes/protocols/icmp/quoted.js';
import { formatHtml } from '../../src/report/html.js';
import { formatHuman } from '../../src/report/human.js';
import { formatHumanWide } from '../../src/report/human-wide.js';
import { formatJson } from '../../src/report/json.js';
import { formatPrometheus } from '../../src/report/prometheus.js';
import { reportSchema } from '../../src/report/schema.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';

/** The new facts of issue 17 (who rejected, where a silent path stops) in every format. */

const base = SAMPLE_REPORT.results[0] as ProbeResult;
const rejected: ProbeResult = {
  ...base,
  id: 'fw/198.51.100.130/tcp/7004/tcp',
  address: '198.51.100.130',
  port: 7004,
  transport: 'tcp',
  state: 'filtered',
  reason: 'admin-prohibited',
  verdict: 'fail',
  message: 'administratively prohibited',
  icmp: { family: 4, type: 3, code: 13, reason: 'admin-prohibited', from: '198.51.100.66', fromTarget: false },
};
const dropped: ProbeResult = {
  ...base,
  id: 'fw/198.51.100.130/tcp/7002/tcp',
  address: '198.51.100.130',
  port: 7002,
  transport: 'tcp',
  state: 'filtered',
  reason: 'timeout',
  verdict: 'fail',
  message: 'no answer before the deadline',
  locate: { method: 'tcp-syn', lastHop: 2, lastHopAddress: '198.51.100.66', reachedTarget: false, targetHopsByIcmp: 3, maxHops: 16 },
};
const report: Report = {
  ...SAMPLE_REPORT,
  results: [rejected, dropped],
  pathDiagnosis: { icmpObserver: { on: true }, locate: { on: true, located: 1, skipped: 0 } },
};

describe('ICMP reason catalogue', () => {
  it('names every Destination Unreachable code of RFC 792/1122/1812 and RFC 4443, and every name is a known reason', () => {
    const v4 = Array.from({ length: 16 }, (_, code) => icmpErrorReason(4, 3, code));
    const v6 = Array.from({ length: 8 }, (_, code) => icmpErrorReason(6, 1, code));
    for (const reason of [...v4, ...v6, icmpErrorReason(4, 11, 0), icmpErrorReason(6, 3, 0), icmpErrorReason(4, 3, 99)]) {
      expect(reason).toBeDefined();
      expect(REASONS[reason ?? '']).toBeDefined();
    }
    expect(new Set(v4).size).toBe(16);
    expect(new Set(v6).size).toBe(8);
    expect(icmpErrorReason(4, 3, 13)).toBe('admin-prohibited');
    expect(icmpErrorReason(4, 3, 10)).toBe('host-prohibited');
    expect(icmpErrorReason(6, 1, 1)).toBe('admin-prohibited');
    expect(icmpErrorReason(6, 1, 4)).toBe('port-unreachable');
    expect(Object.keys(ICMP_REASONS).length).toBeGreaterThan(15);
  });

  it('parses the quoted header of an ICMP error (addresses, protocol, ports)', () => {
    const quotedIp = Buffer.from([0x45, 0, 0, 40, 0, 0, 0x40, 0, 1, 6, 0, 0, 198, 51, 100, 2, 198, 51, 100, 130]);
    const quotedTcp = Buffer.from([0xa0, 0x00, 0x1b, 0x5c, 0, 0, 0, 42]);
    const icmp = Buffer.concat([Buffer.from([3, 13, 0, 0, 0, 0, 0, 0]), quotedIp, quotedTcp]);
    const outerIp = Buffer.from([0x45, 0, 0, 20 + icmp.length, 0, 0, 0, 0, 64, 1, 0, 0, 198, 51, 100, 66, 198, 51, 100, 2]);
    expect(parseIcmpError(4, Buffer.concat([outerIp, icmp]))).toEqual({
      family: 4,
      type: 3,
      code: 13,
      quoted: { protocol: 'tcp', source: '198.51.100.2', destination: '198.51.100.130', sourcePort: 0xa000, destinationPort: 7004, tcpSeq: 42, length: 40 },
    });
    expect(parseIcmpError(4, outerIp)).toBeUndefined();
  });
});

describe('reports show who rejected and the last hop', () => {
  it('JSON carries the facts in its schema', () => {
    const json = JSON.parse(formatJson(report)) as Report;
    expect(reportSchema.safeParse(json).success).toBe(true);
    expect(json.results[0]?.icmp).toEqual(rejected.icmp);
    expect(json.results[1]?.locate).toEqual(dropped.locate);
    expect(json.pathDiagnosis).toEqual(report.pathDiagnosis);
  });

  it('human and wide name the sender and where the path stops', () => {
    const human = formatHuman(report, { color: false, width: 250 });
    expect(human).toContain('ICMP type 3 code 13 (admin-prohibited) from firewall 198.51.100.66');
    expect(human).toContain('dropped after hop 2 (198.51.100.66); the target is 3 hops away by ICMP');
    const wide = formatHumanWide(report, { color: false });
    expect(wide).toContain('filtered (admin-prohibited by 198.51.100.66)');
  });

  it('HTML and Prometheus show them too', () => {
    const html = formatHtml(report);
    expect(html).toContain('dropped after hop 2 (198.51.100.66)');
    expect(html).toContain('ICMP error observer');
    const prom = formatPrometheus(report);
    expect(prom).toMatch(/psm_netcheck_probe_icmp_error_info\{[^}]*icmp_reason="admin-prohibited"[^}]*sender="198\.51\.100\.66"[^}]*\} 1/);
    expect(prom).toMatch(/psm_netcheck_probe_locate_last_hop\{[^}]*hop_address="198\.51\.100\.66"[^}]*\} 2/);
    expect(prom).toContain('psm_netcheck_icmp_observer_on{vantage="psm1"} 1');
  });

  it('says when the observer and --locate were off, and why', () => {
    const off: Report = {
      ...report,
      results: [base],
      pathDiagnosis: { icmpObserver: { on: false, why: 'no raw ICMP socket (needs root or CAP_NET_RAW)' }, locate: { on: false, why: 'no raw ICMP socket (needs root or CAP_NET_RAW)', located: 0, skipped: 0 } },
    };
    const human = formatHuman(off, { color: false, width: 250 });
    expect(human).toContain('ICMP error observer off (no raw ICMP socket (needs root or CAP_NET_RAW))');
    expect(formatPrometheus(off)).toContain('psm_netcheck_icmp_observer_on{vantage="psm1"} 0');
  });
});

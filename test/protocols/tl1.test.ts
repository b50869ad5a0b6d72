import { describe, expect, it } from 'vitest';
import { findTl1Response, formatTl1Response } from '../../probes/protocols/tl1/response.js';

/**
 * TL1 responses as the lab's agent writes them and the probe reads them (GR-831 layout). The
 * probe's reader is also checked on hand-written agent output in test/probes/tl1.test.ts.
 */

const at = new Date(Date.UTC(2024, 4, 1, 12, 0, 5));

describe('tl1 response codec', () => {
  it('COMPLD reads back with its header', () => {
    const text = formatTl1Response({ sid: 'LAB-NE', at, ctag: 'C1', code: 'COMPLD' });
    expect(text).toBe('\r\n\n   LAB-NE 24-05-01 12:00:05\r\nM  C1 COMPLD\r\n;');
    expect(findTl1Response(text, 'C1')).toEqual({ code: 'COMPLD', complete: true, sid: 'LAB-NE', date: '24-05-01', time: '12:00:05' });
  });

  it('DENY reads back with its error code, the comment line ignored', () => {
    const text = formatTl1Response({ sid: 'NE1', at, ctag: '7', code: 'DENY', errorCode: 'PLNA', comment: 'Login Not Active' });
    expect(findTl1Response(text, '7')).toMatchObject({ code: 'DENY', errorCode: 'PLNA', complete: true, sid: 'NE1' });
    expect(findTl1Response(text, '8')).toBeUndefined();
  });

  it('a response cut before its terminator is not complete yet', () => {
    const text = formatTl1Response({ sid: 'NE1', at, ctag: 'C2', code: 'COMPLD' });
    expect(findTl1Response(text.slice(0, -1), 'C2')).toMatchObject({ code: 'COMPLD', complete: false });
  });
});

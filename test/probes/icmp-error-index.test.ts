import { describe, expect, it } from 'vitest';
import { IcmpErrorIndex, type ObservedIcmpError } from '../../probes/protocols/icmp/error-index.js';

/**
 * The observer's index without sockets (the raw sockets need CAP_NET_RAW: the routed lab,
 * test/real/path-diagnosis.test.ts, covers them). Two probes of one run to the same destination
 * port differ only by their source port: each must get the error its own packets caused, or none.
 */
const error = (sourcePort: number, code: number, from: string, at: number): ObservedIcmpError => ({
  family: 4,
  type: 3,
  code,
  from,
  at,
  quoted: { protocol: 'udp', source: '198.51.100.1', destination: '198.51.100.9', sourcePort, destinationPort: 9005, length: 56 },
});

describe('IcmpErrorIndex', () => {
  const index = new IcmpErrorIndex();
  index.add(error(40001, 13, '198.51.100.254', 1000));
  index.add(error(40002, 3, '198.51.100.9', 1010));
  const query = { protocol: 'udp', destination: '198.51.100.9', destinationPort: 9005, from: 900, to: 2000 } as const;

  it('matches each probe by its source port', () => {
    expect(index.lookup({ ...query, sourcePorts: [40001] })).toMatchObject({ code: 13, from: '198.51.100.254' });
    expect(index.lookup({ ...query, sourcePorts: [40002] })).toMatchObject({ code: 3, from: '198.51.100.9' });
  });

  it('any attempt of a probe counts (one source port per attempt)', () => {
    expect(index.lookup({ ...query, sourcePorts: [39999, 40001] })).toMatchObject({ code: 13 });
  });

  it('a probe whose packets caused no error gets none, although others to the same port did', () => {
    expect(index.lookup({ ...query, sourcePorts: [40003] })).toBeUndefined();
  });

  it('without a known source port, the last error of the flow in the window', () => {
    expect(index.lookup(query)).toMatchObject({ code: 3 });
    expect(index.lookup({ ...query, to: 1005 })).toMatchObject({ code: 13 });
  });

  it('outside the window, another destination or another port: nothing', () => {
    expect(index.lookup({ ...query, sourcePorts: [40001], from: 1001 })).toBeUndefined();
    expect(index.lookup({ ...query, destination: '198.51.100.8', sourcePorts: [40001] })).toBeUndefined();
    expect(index.lookup({ ...query, destinationPort: 9006, sourcePorts: [40001] })).toBeUndefined();
  });
});

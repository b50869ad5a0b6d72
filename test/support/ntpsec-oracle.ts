import { execFileSync } from 'node:child_process';
import type { Requirement } from './skip.js';

/**
 * NTPsec's Python NTP library (python3-ntp, which ntpsec-ntpdate installs) as an independent
 * codec for NTP packets: it decodes what our encoders write and encodes client requests for our
 * decoders. Run through Debian's own interpreter, where the package installs the library.
 */

const PYTHON = '/usr/bin/python3';

export const ntpsecLibrary: Requirement = () => {
  try {
    execFileSync(PYTHON, ['-c', 'import ntp.packet'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `needs ${PYTHON} with NTPsec's ntp module (install ntpsec-ntpdate)`;
  }
};

/** The fields of a packet as ntp.packet.SyncPacket reads them; timestamps as decimal strings. */
export interface NtpsecView {
  readonly leap: string;
  readonly version: number;
  readonly mode: number;
  readonly stratum: number;
  readonly poll: number;
  readonly precision: number;
  readonly rootDelay: number;
  readonly rootDispersion: number;
  readonly refidString: string;
  readonly refidAddress: string;
  readonly reference: string;
  readonly origin: string;
  readonly receive: string;
  readonly transmit: string;
  /** The Transmit Timestamp in POSIX seconds, by ntp_to_posix. */
  readonly transmitPosix: number;
}

const DECODE = `
import json, sys, ntp.packet
p = ntp.packet.SyncPacket(bytes.fromhex(sys.argv[1]))
print(json.dumps({
  'leap': p.leap(), 'version': p.version(), 'mode': p.mode(), 'stratum': p.stratum, 'poll': p.poll,
  'precision': p.precision, 'rootDelay': p.root_delay, 'rootDispersion': p.root_dispersion,
  'refidString': p.refid_as_string(), 'refidAddress': p.refid_as_address(),
  'reference': str(p.reference_timestamp), 'origin': str(p.origin_timestamp),
  'receive': str(p.receive_timestamp), 'transmit': str(p.transmit_timestamp),
  'transmitPosix': ntp.packet.SyncPacket.ntp_to_posix(p.transmit_timestamp),
}))
`;

export function decodeWithNtpsec(packet: Buffer): NtpsecView {
  return JSON.parse(execFileSync(PYTHON, ['-c', DECODE, packet.toString('hex')], { encoding: 'utf8' })) as NtpsecView;
}

const ENCODE_REQUEST = `
import sys, ntp.packet
p = ntp.packet.SyncPacket()
p.li_vn_mode = ntp.packet.Packet.PKT_LI_VN_MODE(0, int(sys.argv[1]), int(sys.argv[2]))
p.poll = 6
p.transmit_timestamp = int(sys.argv[3])
print(p.flatten().hex())
`;

/** A request as NTPsec builds it: LI 0, the given version and mode, poll 6, this Transmit Timestamp. */
export function requestFromNtpsec(version: number, mode: number, transmit: bigint): Buffer {
  const hex = execFileSync(PYTHON, ['-c', ENCODE_REQUEST, String(version), String(mode), transmit.toString()], { encoding: 'utf8' });
  return Buffer.from(hex.trim(), 'hex');
}

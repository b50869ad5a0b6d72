/**
 * The small subset of ASN.1 BER (X.690, definite lengths only) that the hand-written part of SNMP
 * needs: building the v3 discovery, and reading the header of every datagram that arrives (which
 * request it answers, a Report's counter). net-snmp encodes and decodes everything else. The test
 * peers build their scripted replies with the same encoders.
 * Decoding never throws and never reads outside the buffer: a malformed element is `undefined`,
 * because replies come from peers we do not trust.
 */

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  ipAddress: 0x40,
  counter32: 0x41,
  gauge32: 0x42,
  timeTicks: 0x43,
  opaque: 0x44,
  counter64: 0x46,
  noSuchObject: 0x80,
  noSuchInstance: 0x81,
  endOfMibView: 0x82,
} as const;

// ---------- encoding

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** A signed INTEGER in the fewest octets (two's complement), for values within ±2^31. */
export function integer(value: number, tag: number = TAG.integer): Buffer {
  const octets: number[] = [];
  let rest = value;
  do {
    octets.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest !== 0 && rest !== -1);
  // A positive value whose top bit is set needs a leading zero; a negative one a leading 0xff.
  const top = octets[0] ?? 0;
  if (value >= 0 && top & 0x80) octets.unshift(0);
  if (value < 0 && !(top & 0x80)) octets.unshift(0xff);
  return tlv(tag, Buffer.from(octets));
}

/** An unsigned 32-bit application type (TimeTicks, Counter32, Gauge32). */
export function unsigned32(value: number, tag: number): Buffer {
  return integer(value >>> 0, tag);
}

export function octetString(value: Buffer | string): Buffer {
  return tlv(TAG.octetString, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}

export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) chunk.unshift(0x80 | (value & 0x7f));
    octets.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(octets));
}

export function sequence(...children: Buffer[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(children));
}

// ---------- decoding

export interface Element {
  readonly tag: number;
  /** The content octets (a view into the message). */
  readonly content: Buffer;
}

/** One element at `offset`, with the offset after it; undefined when malformed or truncated. */
export function readElement(buffer: Buffer, offset = 0): { element: Element; next: number } | undefined {
  if (offset + 2 > buffer.length) return undefined;
  const tag = buffer[offset] ?? 0;
  // Multi-octet tags never occur in SNMP.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = buffer[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is the indefinite form, not allowed in SNMP; more than 4 octets is absurd for UDP.
    if (count === 0 || count > 4 || start + count > buffer.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + (buffer[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > buffer.length) return undefined;
  return { element: { tag, content: buffer.subarray(start, end) }, next: end };
}

/** The elements inside a constructed element; undefined if any is malformed. */
export function children(element: Element): Element[] | undefined {
  const result: Element[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const read = readElement(element.content, offset);
    if (read === undefined) return undefined;
    result.push(read.element);
    offset = read.next;
  }
  return result;
}

/** A whole buffer as exactly one element (trailing bytes make it malformed). */
export function readWhole(buffer: Buffer): Element | undefined {
  const read = readElement(buffer, 0);
  return read !== undefined && read.next === buffer.length ? read.element : undefined;
}

/** A signed integer up to 6 octets (enough for request ids and error codes), or undefined. */
export function decodeInteger(element: Element | undefined): number | undefined {
  if (element === undefined || element.content.length === 0 || element.content.length > 6) return undefined;
  return element.content.readIntBE(0, element.content.length);
}

export function decodeOid(element: Element | undefined): string | undefined {
  if (element === undefined || element.tag !== TAG.oid || element.content.length === 0) return undefined;
  const subidentifiers: number[] = [];
  let value = 0;
  for (let i = 0; i < element.content.length; i += 1) {
    const octet = element.content[i] ?? 0;
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) return undefined;
    if (!(octet & 0x80)) {
      subidentifiers.push(value);
      value = 0;
    } else if (i === element.content.length - 1) {
      return undefined;
    }
  }
  // X.690 8.19.4: the first subidentifier packs the first two arcs.
  const [combined = 0, ...rest] = subidentifiers;
  const head = combined < 80 ? [Math.floor(combined / 40), combined % 40] : [2, combined - 80];
  return [...head, ...rest].join('.');
}

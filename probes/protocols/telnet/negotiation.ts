import type { BoundedReader, Matcher } from '../../kit/bounded-reader.js';
import type { TextChannel, TextRead } from '../../kit/text-channel.js';

/**
 * Telnet (RFC 854/855) for probes that only listen: every option the server offers or asks for is
 * refused, so the session stays a plain NVT and the text that arrives is the server's own.
 * Shared by the telnet CLI probe and the TL1-over-telnet probe.
 */

/** Telnet command bytes (RFC 854) and the option codes the lab's simulated NEs offer. */
export const TELNET = {
  IAC: 255,
  DONT: 254,
  DO: 253,
  WONT: 252,
  WILL: 251,
  SB: 250,
  SE: 240,
  ECHO: 1,
  SGA: 3,
  TTYPE: 24,
} as const;
const { IAC, DONT, DO, WONT, WILL, SB, SE } = TELNET;

const VERBS: Readonly<Record<number, string>> = { [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' };

/** Option names from the IANA telnet options registry, for the ones servers commonly send. */
const OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'BINARY',
  1: 'ECHO',
  3: 'SGA',
  5: 'STATUS',
  6: 'TIMING-MARK',
  24: 'TTYPE',
  31: 'NAWS',
  32: 'TSPEED',
  33: 'LFLOW',
  34: 'LINEMODE',
  35: 'XDISPLOC',
  36: 'ENVIRON',
  37: 'AUTHENTICATION',
  38: 'ENCRYPT',
  39: 'NEW-ENVIRON',
};

export const optionName = (option: number): string => OPTION_NAMES[option] ?? String(option);

/**
 * Hands over the longest prefix that holds only whole telnet commands, so a command split across
 * TCP segments is parsed once it is complete. An unfinished subnegotiation waits for its IAC SE
 * (within the byte budget).
 */
export const telnetChunkMatcher: Matcher = (buffer) => {
  let at = 0;
  while (at < buffer.length) {
    if (buffer[at] !== IAC) {
      at += 1;
      continue;
    }
    const command = buffer[at + 1];
    if (command === undefined) break;
    if (command >= WILL && command <= DONT) {
      if (at + 2 >= buffer.length) break;
      at += 3;
    } else if (command === SB) {
      const end = subnegotiationEnd(buffer, at + 2);
      if (end < 0) break;
      at = end;
    } else {
      at += 2;
    }
  }
  return at > 0 ? at : -1;
};

/** Index just past the IAC SE that closes a subnegotiation starting at `from`, or -1. */
function subnegotiationEnd(buffer: Buffer, from: number): number {
  for (let i = from; i + 1 < buffer.length; i += 1) {
    if (buffer[i] !== IAC) continue;
    if (buffer[i + 1] === SE) return i + 2;
    i += 1; // IAC IAC inside the subnegotiation is a data 255
  }
  return -1;
}

export interface ParsedChunk {
  /** NVT data with every command removed and IAC IAC turned back into 0xFF. */
  readonly data: Buffer;
  /** Negotiation requests in arrival order, e.g. [DO, 1]. */
  readonly requests: ReadonlyArray<readonly [verb: number, option: number]>;
  /** A byte sequence that no telnet server sends (IAC before a byte that is no command). */
  readonly violation?: string;
}

/** Parse a chunk that telnetChunkMatcher handed over. */
export function parseTelnet(chunk: Buffer): ParsedChunk {
  const data: number[] = [];
  const requests: Array<readonly [number, number]> = [];
  let violation: string | undefined;
  let at = 0;
  while (at < chunk.length) {
    const byte = chunk[at] as number;
    if (byte !== IAC) {
      data.push(byte);
      at += 1;
      continue;
    }
    // A command cut off by the end of the stream (the matcher never hands one over otherwise).
    const command = chunk[at + 1];
    if (command === undefined) break;
    if (command === IAC) {
      data.push(IAC);
      at += 2;
    } else if (command >= WILL && command <= DONT) {
      const option = chunk[at + 2];
      if (option === undefined) break;
      requests.push([command, option]);
      at += 3;
    } else if (command === SB) {
      const end = subnegotiationEnd(chunk, at + 2);
      at = end < 0 ? chunk.length : end;
    } else {
      // 240..249 are commands without an option (NOP, GA, AYT...): nothing to answer.
      if (command < SE) violation ??= `IAC followed by 0x${command.toString(16).padStart(2, '0')}`;
      at += 2;
    }
  }
  return violation === undefined ? { data: Buffer.from(data), requests } : { data: Buffer.from(data), requests, violation };
}

/**
 * The refusal for a request, or nothing. We keep every option of ours and of the server's off,
 * so (RFC 1143) DO is answered WONT and WILL is answered DONT; DONT and WONT ask for the state
 * the option already has, and answering them is what makes negotiation loops.
 */
export function refusalFor(verb: number, option: number): Buffer | undefined {
  if (verb === DO) return Buffer.from([IAC, WONT, option]);
  if (verb === WILL) return Buffer.from([IAC, DONT, option]);
  return undefined;
}

/** Text that ends in a login or CLI prompt: "login: ", "Username:", "BTI7000>", "# ", TL1's "<". */
export const PROMPT_AT_END = /[:>#$%<][ \t]?$/;

export function endsWithPrompt(text: string): boolean {
  return PROMPT_AT_END.test(text);
}

/**
 * A listening telnet client on an open connection, as a text channel for the banner exchange:
 * collects the server's text, answers negotiation with refusals, and reads within the
 * connection's byte budget.
 */
export class TelnetSession implements TextChannel {
  readonly #reader: BoundedReader;
  readonly #write: (data: Buffer) => void;
  #data: Buffer = Buffer.alloc(0);
  readonly #negotiation: string[] = [];
  #violation: string | undefined;

  constructor(conn: { readonly reader: BoundedReader; write(data: Buffer): void }) {
    this.#reader = conn.reader;
    this.#write = (data) => conn.write(data);
  }

  /** All NVT text received so far (latin1, commands removed). */
  get text(): string {
    return this.#data.toString('latin1');
  }

  /** The server's requests, unique, in order of first arrival: "DO ECHO", "WILL SGA"... */
  get negotiation(): readonly string[] {
    return this.#negotiation;
  }

  get violation(): string | undefined {
    return this.#violation;
  }

  get bytesRead(): number {
    return this.#reader.bytesRead;
  }

  send(text: string): void {
    this.#write(Buffer.from(text, 'latin1'));
  }

  async next(signal: AbortSignal): Promise<TextRead> {
    const result = await this.#reader.read(telnetChunkMatcher, signal);
    // What arrived before an end (a cut-off command at worst) still counts as text.
    const text = this.#take(result.data);
    if (result.end === 'matched') return { text };
    return result.errorCode === undefined ? { end: result.end, text } : { end: result.end, text, errorCode: result.errorCode };
  }

  #take(chunk: Buffer): string {
    if (chunk.length === 0) return '';
    const parsed = parseTelnet(chunk);
    if (parsed.data.length > 0) this.#data = Buffer.concat([this.#data, parsed.data]);
    this.#violation ??= parsed.violation;
    for (const [verb, option] of parsed.requests) {
      const name = `${VERBS[verb] ?? verb} ${optionName(option)}`;
      if (!this.#negotiation.includes(name)) this.#negotiation.push(name);
      const refusal = refusalFor(verb, option);
      if (refusal) this.#write(refusal);
    }
    return parsed.data.toString('latin1');
  }
}

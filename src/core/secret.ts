import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential value. It prints as "[redacted]" everywhere (String(), JSON, util.inspect, pino),
 * so that a secret can only leave the process through an explicit `reveal()` at the socket.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The clear value; call it only where the value goes onto the wire. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

// Just enough of the untyped `radius` package (1.1.x) for the tests that use it as an oracle:
// the test RADIUS server and the codec cross-checks (test/probes/radius-codec.test.ts).
declare module 'radius' {
  export interface DecodedPacket {
    readonly code: string;
    readonly identifier: number;
    readonly authenticator: Buffer;
    readonly attributes: Record<string, unknown>;
    readonly raw_attributes: [number, Buffer][];
  }
  interface Radius {
    decode(args: { packet: Buffer; secret: string }): DecodedPacket;
    encode(args: {
      code: string;
      identifier: number;
      authenticator?: Buffer;
      attributes?: unknown[];
      secret: string;
      add_message_authenticator?: boolean;
    }): Buffer;
    encode_response(args: { packet: DecodedPacket; code: string; secret: string; attributes?: unknown[] }): Buffer;
    /** Response Authenticator, and the Message-Authenticator when the request had one. Writes into `response` while it runs. */
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
  }
  const radius: Radius;
  export default radius;
}

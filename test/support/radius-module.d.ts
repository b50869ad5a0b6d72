// Just enough of the untyped `radius` package (1.1.x) for the test RADIUS server.
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
  }
  const radius: Radius;
  export default radius;
}

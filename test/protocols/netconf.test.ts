import * as xml from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { frameChunked, frameEom, takeMessages } from '../../probes/protocols/netconf/framing.js';
import { BASE_10, BASE_11, CLIENT_HELLO, CLOSE_SESSION_RPC, parseServerHello, serverHello } from '../../probes/protocols/netconf/hello.js';
import { isCloseSession, messageIdOf, OK, rpcError, rpcReply } from '../../probes/protocols/netconf/rpc.js';

/**
 * The NETCONF codec shared by the probe and the lab's agent: framing both ways (RFC 6242 §4),
 * the server hello, and rpc replies. The XML is read back with fast-xml-parser, a parser of its
 * own; the probe's runs against a real netconfd in test/real/ssh-netconf.test.ts.
 */

describe('netconf framing', () => {
  it('end-of-message: whole messages split off, a partial one kept for later', () => {
    const stream = Buffer.from(`${frameEom('<a/>')}${frameEom('<b/>')}<c`);
    const taken = takeMessages(stream, 'eom');
    expect(taken).not.toBe('error');
    if (taken === 'error') return;
    expect(taken.messages.map(String)).toEqual(['<a/>', '<b/>']);
    expect(String(taken.rest)).toBe('<c');
  });

  it('chunked: the RFC 6242 §4.2 example, a message in three chunks, reads as one message', () => {
    const parts = ['<rpc', ' message-id="102"\n', '     xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <close-session/>\n</rpc>'];
    const stream = Buffer.concat([...parts.map((part) => Buffer.from(`\n#${Buffer.byteLength(part)}\n${part}`)), Buffer.from('\n##\n')]);
    expect(parts.map((part) => Buffer.byteLength(part))).toEqual([4, 18, 79]);
    const taken = takeMessages(stream, 'chunked');
    if (taken === 'error') throw new Error('framing error');
    expect(taken.messages.map(String)).toEqual([parts.join('')]);
    expect(taken.rest.length).toBe(0);
  });

  it('chunked: what frameChunked writes reads back, byte by byte as it arrives', () => {
    const messages = ['<rpc message-id="1"/>', 'ünïcödé in a chunk'];
    const stream = Buffer.concat(messages.map(frameChunked));
    let pending: Buffer = Buffer.alloc(0);
    const read: string[] = [];
    for (const byte of stream) {
      const taken = takeMessages(Buffer.concat([pending, Buffer.from([byte])]), 'chunked');
      if (taken === 'error') throw new Error('framing error');
      read.push(...taken.messages.map(String));
      pending = taken.rest;
    }
    expect(read).toEqual(messages);
  });

  it('chunked: a header that breaks RFC 6242 §4.2 is a framing error', () => {
    for (const bad of ['\n#0\n', '\n#012\nabcdefghijkl', '<rpc/>', '\n#99999999999\n']) {
      expect(takeMessages(Buffer.from(bad), 'chunked'), bad).toBe('error');
    }
  });
});

describe('netconf hello and rpc replies', () => {
  it("a server hello reads back with the probe's parser: capabilities, escaped URIs, session-id", () => {
    const capabilities = [BASE_10, BASE_11, 'urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&revision=2018-02-20'];
    const parsed = parseServerHello(xml, serverHello(42, capabilities));
    expect(parsed).toEqual({ ok: true, hello: { sessionId: '42', capabilities } });
  });

  it("the probe's client hello announces both base versions", () => {
    expect(CLIENT_HELLO).toContain(BASE_10);
    expect(CLIENT_HELLO).toContain(BASE_11);
  });

  it("rpc replies carry the request's message-id back, escaped, and parse as XML", () => {
    expect(isCloseSession(CLOSE_SESSION_RPC)).toBe(true);
    expect(isCloseSession('<rpc message-id="2"><get/></rpc>')).toBe(false);
    expect(messageIdOf(CLOSE_SESSION_RPC)).toBe('1');
    expect(messageIdOf("<rpc message-id='a\"b'><get/></rpc>")).toBe('a"b');
    expect(messageIdOf('<rpc><get/></rpc>')).toBeUndefined();

    const reply = rpcReply('a"b', rpcError('protocol', 'operation-not-supported'));
    expect(xml.XMLValidator.validate(reply)).toBe(true);
    const document = new xml.XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(reply) as {
      'rpc-reply': { 'message-id': string; 'rpc-error': Record<string, string> };
    };
    expect(document['rpc-reply']['message-id']).toBe('a"b');
    expect(document['rpc-reply']['rpc-error']).toMatchObject({ 'error-type': 'protocol', 'error-tag': 'operation-not-supported', 'error-severity': 'error' });
    expect(rpcReply(undefined, OK)).not.toContain('message-id');
  });
});

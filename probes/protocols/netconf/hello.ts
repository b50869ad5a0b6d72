import type * as FastXmlParser from 'fast-xml-parser';
import type { X2jOptions } from 'fast-xml-parser';
import { lazyModule } from '../../kit/lazy-module.js';
import { END_OF_MESSAGE, frameEom } from './framing.js';

/**
 * The hello exchange of NETCONF (RFC 6241 §8.1): the probe's client hello and its reading of a
 * server's, and the server hello the lab sends.
 */

export const NETCONF_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const BASE_PREFIX = 'urn:ietf:params:netconf:base:';
export const BASE_10 = `${BASE_PREFIX}1.0`;
export const BASE_11 = `${BASE_PREFIX}1.1`;
const CAPABILITY_PREFIX = 'urn:ietf:params:netconf:capability:';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Our hello: both base versions, so a server that does 1.1 moves to chunked framing. */
export const CLIENT_HELLO = frameEom(
  `${XML_DECLARATION}<hello xmlns="${NETCONF_NS}"><capabilities>` +
    `<capability>${BASE_10}</capability><capability>${BASE_11}</capability>` +
    '</capabilities></hello>',
);

/**
 * A server's hello, framed: its capabilities (base versions included) and the session-id that
 * only a server sends.
 */
export function serverHello(sessionId: number, capabilities: readonly string[]): string {
  const list = capabilities.map((uri) => `<capability>${escapeXml(uri)}</capability>`).join('');
  return frameEom(`${XML_DECLARATION}<hello xmlns="${NETCONF_NS}"><capabilities>${list}</capabilities><session-id>${sessionId}</session-id></hello>`);
}

/** Text and attribute values in XML 1.0 (§2.4, §3.1). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const CLOSE_SESSION_RPC = `${XML_DECLARATION}<rpc message-id="1" xmlns="${NETCONF_NS}"><close-session/></rpc>`;

export interface ServerHello {
  readonly sessionId: string | undefined;
  readonly capabilities: readonly string[];
}

export type HelloParse = { readonly ok: true; readonly hello: ServerHello } | { readonly ok: false; readonly detail: string };

/** fast-xml-parser's exports (XMLParser, XMLValidator). */
export type XmlLibrary = typeof FastXmlParser;

/** Loaded by the netconf probe before it connects, when it has credentials to reach the hello. */
export const loadXmlLibrary = lazyModule('fast-xml-parser', () => import('fast-xml-parser'));

const PARSER_OPTIONS: X2jOptions = {
  // `<session-id>0042</session-id>` stays "0042", never a number.
  parseTagValue: false,
  // `<nc:hello xmlns:nc=...>` is the same element as `<hello xmlns=...>`.
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  isArray: (name) => name === 'capability',
  htmlEntities: false,
};

/** Parses the server's hello (the message before `]]>]]>`, with or without the marker). */
export function parseServerHello(xml: XmlLibrary, message: string): HelloParse {
  const text = stripMarker(message).replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, detail: 'empty hello' };
  // A hello needs no DTD; refusing it rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(text)) return { ok: false, detail: 'DOCTYPE in the hello' };
  const valid = xml.XMLValidator.validate(text);
  if (valid !== true) return { ok: false, detail: `not well-formed XML: ${valid.err.msg.replace(/\s+/g, ' ').slice(0, 120)} (line ${valid.err.line})` };
  let document: Record<string, unknown>;
  try {
    document = new xml.XMLParser(PARSER_OPTIONS).parse(text) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, detail: `unreadable XML: ${error instanceof Error ? error.message.slice(0, 120) : 'parse error'}` };
  }
  const roots = Object.keys(document);
  const hello = document.hello;
  if (roots.length !== 1 || hello === undefined) return { ok: false, detail: `root element is <${roots.join('>, <')}>, not <hello>` };
  if (!isRecord(hello)) return { ok: false, detail: 'empty <hello>' };
  const capabilities = hello.capabilities;
  const list = isRecord(capabilities) ? capabilities.capability : undefined;
  if (!Array.isArray(list)) return { ok: false, detail: 'no <capabilities> in the hello' };
  const uris = list.filter((item): item is string => typeof item === 'string').map((uri) => uri.trim());
  if (uris.length !== list.length) return { ok: false, detail: 'a <capability> that is not a URI' };
  const sessionId = typeof hello['session-id'] === 'string' ? hello['session-id'].trim() : undefined;
  return { ok: true, hello: { sessionId, capabilities: uris } };
}

export interface CapabilitySummary {
  /** '1.0', '1.1' from `urn:ietf:params:netconf:base:<v>`. */
  readonly baseVersions: readonly string[];
  /** Short names of the standard capabilities: candidate, startup, notification, yang-library... */
  readonly standard: readonly string[];
  /** Capabilities outside the IETF namespace that are not YANG modules, e.g. http://xml.juniper.net/... */
  readonly vendor: readonly string[];
  /** YANG modules announced as `...?module=name&revision=...`. */
  readonly yangModules: number;
}

export function summarizeCapabilities(capabilities: readonly string[]): CapabilitySummary {
  const baseVersions = new Set<string>();
  const standard = new Set<string>();
  const vendor: string[] = [];
  let yangModules = 0;
  for (const uri of capabilities) {
    const withoutQuery = uri.split('?')[0] ?? uri;
    if (withoutQuery.startsWith(BASE_PREFIX)) {
      baseVersions.add(withoutQuery.slice(BASE_PREFIX.length));
    } else if (withoutQuery.startsWith(CAPABILITY_PREFIX)) {
      const name = withoutQuery.slice(CAPABILITY_PREFIX.length).split(':')[0];
      if (name) standard.add(name);
    } else if (/[?&]module=/.test(uri)) {
      yangModules += 1;
    } else if (!uri.startsWith('urn:ietf:')) {
      vendor.push(uri.slice(0, 200));
    }
  }
  return { baseVersions: [...baseVersions].sort(), standard: [...standard].sort(), vendor: vendor.slice(0, 20), yangModules };
}

function stripMarker(message: string): string {
  return message.endsWith(END_OF_MESSAGE) ? message.slice(0, -END_OF_MESSAGE.length) : message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { escapeXml, NETCONF_NS } from './hello.js';

/**
 * The server side of NETCONF operations (RFC 6241 §4): reading an <rpc> far enough to answer it,
 * and writing the <rpc-reply>. Enough for the lab's agent, which answers <close-session/> and
 * refuses everything else; a regular expression reads the few bits it needs.
 */

/** The <rpc>'s message-id attribute (§4.1), which its reply carries back; undefined without one. */
export function messageIdOf(rpc: string): string | undefined {
  const id = /message-id\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(rpc);
  return id ? (id[1] ?? id[2] ?? '') : undefined;
}

/** Whether the rpc asks for <close-session/> (§7.8). */
export function isCloseSession(rpc: string): boolean {
  return /<(?:[\w.-]+:)?close-session\s*\/?>/.test(rpc);
}

export const OK = '<ok/>';

/** An <rpc-error> of severity error (§4.3), e.g. ('protocol', 'operation-not-supported'). */
export function rpcError(type: 'transport' | 'rpc' | 'protocol' | 'application', tag: string): string {
  return `<rpc-error><error-type>${type}</error-type><error-tag>${escapeXml(tag)}</error-tag><error-severity>error</error-severity></rpc-error>`;
}

/** The <rpc-reply> to an rpc with `messageId`, unframed (§4.2). */
export function rpcReply(messageId: string | undefined, body: string): string {
  const id = messageId === undefined ? '' : ` message-id="${escapeXml(messageId)}"`;
  return `<?xml version="1.0" encoding="UTF-8"?><rpc-reply${id} xmlns="${NETCONF_NS}">${body}</rpc-reply>`;
}

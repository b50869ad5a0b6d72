/**
 * The path of an HTTP request target (RFC 9112 section 3.2), without its query or fragment:
 * origin-form ("/metrics?x") as written, absolute-form ("http://host:9469/metrics") through the
 * URL parser. Undefined for anything else ("*", garbage, an absolute URL that does not parse,
 * such as one with a port past 65535). Never throws: Node's HTTP parser lets such targets through,
 * and one malformed request must not take the server down.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target.length === 0) return undefined;
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end === -1 ? target : target.slice(0, end);
  }
  if (!URL.canParse(target)) return undefined;
  const url = new URL(target);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.pathname : undefined;
}

/** The outcome of one ICMP echo, whichever way it was sent (raw socket or the ping command). */
export type EchoResult =
  | { readonly kind: 'reply'; readonly rttMs: number; readonly ttl?: number; readonly bytes?: number }
  /** An ICMP error about our request; `from` is the router or host that sent it. */
  | {
      readonly kind: 'icmp-error';
      readonly type: number | undefined;
      readonly code: number | undefined;
      readonly meaning: string;
      readonly from: string;
      readonly rttMs?: number;
    }
  /** Nothing came back before the deadline. */
  | { readonly kind: 'no-reply' }
  | { readonly kind: 'aborted' }
  /** The local stack refused to send (EPERM from an OUTPUT rule, no route...). */
  | { readonly kind: 'send-error'; readonly code: string | undefined; readonly message: string }
  /** This method cannot be used here (no privilege, no ping command). */
  | { readonly kind: 'unavailable'; readonly message: string };

/**
 * raw-socket and ping report errors as strerror() text without an errno code; this maps the
 * texts that matter for classification back to the code (Linux glibc wording).
 */
const CODE_BY_TEXT: ReadonlyArray<readonly [RegExp, string]> = [
  [/Operation not permitted/i, 'EPERM'],
  [/Permission denied/i, 'EACCES'],
  [/Network is unreachable/i, 'ENETUNREACH'],
  [/No route to host/i, 'EHOSTUNREACH'],
  [/Invalid argument/i, 'EINVAL'],
  [/Cannot assign requested address/i, 'EADDRNOTAVAIL'],
  [/Address family not supported/i, 'EAFNOSUPPORT'],
  [/No buffer space available/i, 'ENOBUFS'],
  [/Resource temporarily unavailable/i, 'EAGAIN'],
  [/Too many open files/i, 'EMFILE'],
];

export function codeFromText(text: string): string | undefined {
  return CODE_BY_TEXT.find(([pattern]) => pattern.test(text))?.[1];
}

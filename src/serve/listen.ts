import { isIP } from 'node:net';
import { NetcheckError } from '../core/errors.js';

/** Loopback only unless told otherwise: the reports name every host and address of the deployment. */
export const DEFAULT_LISTEN = '127.0.0.1:9469';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `--listen HOST:PORT`, `[IPv6]:PORT`, or `PORT` alone (loopback). Port 0 lets the kernel choose;
 * the bound port is logged (`listening`).
 */
export function parseListen(text: string): ListenAddress {
  const [host, portText] = splitHostPort(text) ?? ['', ''];
  const port = Number(portText);
  if (host === '' || !/^\d{1,5}$/.test(portText) || port > 65535 || !isHost(host)) {
    throw new NetcheckError('E_USAGE', `--listen ${JSON.stringify(text)}: expected HOST:PORT, [IPV6]:PORT or PORT, e.g. ${DEFAULT_LISTEN}`);
  }
  return { host, port };
}

function splitHostPort(text: string): [host: string, port: string] | undefined {
  const withHost = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (withHost !== null) return [withHost[1] ?? '', withHost[2] ?? ''];
  return /^\d+$/.test(text) ? ['127.0.0.1', text] : undefined;
}

/** An IP literal or a plain host name such as localhost. */
function isHost(host: string): boolean {
  return isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host);
}

import ssh2 from 'ssh2';
import { generateHostKey, type LabHostKey } from './host-key.js';
import { listenTcp, type ConnectionHandler } from './listen.js';
import { serveNetconf, type NetconfServerOptions } from './netconf-session.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated SSH server (an NE's CLI or NETCONF port, a PSM server's SSH/SFTP port), on ssh2's
 * Server. It offers password authentication for one configured account and, when asked, the
 * `netconf` subsystem.
 */

export interface SshServiceOptions {
  /** Host key; one is generated when absent. Give the same key to all ports of one host. */
  readonly hostKey?: LabHostKey;
  /**
   * Everything after `SSH-2.0-` on the identification line.
   * @default 'OpenSSH_9.2p1 Debian-2+deb12u3'
   */
  readonly softwareVersion?: string;
  /** @default 'netcheck' */
  readonly username?: string;
  /** @default 'netcheck-lab' */
  readonly password?: string;
  /** Offer the `netconf` subsystem (true, or its options). @default false */
  readonly netconf?: boolean | NetconfServerOptions;
  /** Text written on an interactive shell, which then exits; without it shells are refused. */
  readonly shellBanner?: string;
  /** Fault: every authentication attempt fails. @default false */
  readonly rejectLogin?: boolean;
  /** Fault: the `netconf` subsystem is refused even though `netconf` is set. @default false */
  readonly noNetconf?: boolean;
  /** Fault: the subsystem starts but never sends its hello. @default false */
  readonly silentNetconf?: boolean;
  /** Fault: the hello is not well-formed XML. @default false */
  readonly malformedHello?: boolean;
}

export interface SshPeerOptions extends SshServiceOptions, PeerEndpoint {}

export interface SshPeerHandle extends PeerHandle {
  readonly hostKey: LabHostKey;
  /** `SHA256:...`, what `ssh-keygen -l` prints for the host key. */
  readonly fingerprint: string;
  /** The identification line the server sends, without CR LF. */
  readonly identification: string;
}

/** The protocol behaviour, shareable by many listeners (one per simulated host and port). */
export interface SshService {
  readonly hostKey: LabHostKey;
  readonly identification: string;
  readonly onConnection: ConnectionHandler;
}

export const DEFAULT_SSH_SOFTWARE_VERSION = 'OpenSSH_9.2p1 Debian-2+deb12u3';

export function createSshService(options: SshServiceOptions = {}): SshService {
  const hostKey = options.hostKey ?? generateHostKey();
  const softwareVersion = options.softwareVersion ?? DEFAULT_SSH_SOFTWARE_VERSION;
  const username = options.username ?? 'netcheck';
  const password = options.password ?? 'netcheck-lab';
  const netconf: NetconfServerOptions | undefined =
    options.netconf === true ? {} : options.netconf === false ? undefined : options.netconf;
  const netconfOptions: NetconfServerOptions | undefined = netconf && {
    ...netconf,
    silent: options.silentNetconf ?? netconf.silent,
    malformedHello: options.malformedHello ?? netconf.malformedHello,
  };
  let nextSessionId = 1;

  // ssh2 prefixes a string `ident` with "SSH-2.0-" and sends it as is: the banner is exact.
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ident: softwareVersion }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (context) => {
      const valid =
        !options.rejectLogin &&
        context.method === 'password' &&
        context.username === username &&
        context.password === password;
      if (valid) context.accept();
      else context.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'netconf' || netconfOptions === undefined || options.noNetconf) {
            reject();
            return;
          }
          serveNetconf(accept(), nextSessionId++, netconfOptions);
        });
        session.on('shell', (accept, reject) => {
          if (options.shellBanner === undefined) {
            reject();
            return;
          }
          const channel = accept();
          channel.write(options.shellBanner);
          channel.exit(0);
          channel.end();
        });
        session.on('exec', (_accept, reject) => reject());
      });
    });
  });

  return {
    hostKey,
    identification: `SSH-2.0-${softwareVersion}`,
    onConnection: (socket) => server.injectSocket(socket),
  };
}

export async function startSshPeer(options: SshPeerOptions): Promise<SshPeerHandle> {
  const service = createSshService(options);
  const handle = await listenTcp(options, service.onConnection);
  return {
    ...handle,
    hostKey: service.hostKey,
    fingerprint: service.hostKey.fingerprint,
    identification: service.identification,
  };
}

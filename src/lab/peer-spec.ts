import type { FtpServiceOptions } from './ftp-peer.js';
import type { HttpServiceOptions } from './https-peer.js';
import type { MysqlServiceOptions } from './mysql-peer.js';
import type { NtpServerOptions } from './ntp-server.js';
import type { SnmpAgentOptions } from './snmp-agent.js';
import type { SshServiceOptions } from './ssh-peer.js';
import type { TelnetServiceOptions } from './telnet-tl1-peer.js';

/** What answers on a port: the peer kind and its options (secrets and host keys are filled in at start). */
export type PeerSpec =
  | { readonly kind: 'ssh'; readonly options: Omit<SshServiceOptions, 'hostKey' | 'username' | 'password'> }
  | { readonly kind: 'snmp-agent'; readonly options: Omit<SnmpAgentOptions, 'community' | 'v3User'> }
  | { readonly kind: 'noc-receiver'; readonly community: 'snmp-community' | 'noc-community' }
  | {
      /** One server per host: its 'auth' and 'acct' listeners are the two ports of one peer. */
      readonly kind: 'radius';
      readonly role: 'auth' | 'acct';
      readonly wrongSecret?: boolean;
      readonly omitMessageAuthenticator?: boolean;
    }
  | { readonly kind: 'ntp'; readonly options: Omit<NtpServerOptions, 'address' | 'port'> }
  | { readonly kind: 'dns' }
  | { readonly kind: 'ftp'; readonly options: FtpServiceOptions }
  | { readonly kind: 'http'; readonly options: Omit<HttpServiceOptions, 'certificate'> }
  | { readonly kind: 'telnet'; readonly options: TelnetServiceOptions }
  | { readonly kind: 'mysql'; readonly options: MysqlServiceOptions }
  | { readonly kind: 'silent-tcp' }
  | { readonly kind: 'echo-udp' };

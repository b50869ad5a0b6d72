import type { Secret } from './secret.js';

/**
 * Credentials as probes receive them: resolved from the inventory's references (environment
 * variable or file) into Secret values. Each probe reads only the slot it needs.
 */

export interface SshLogin {
  readonly username: string;
  readonly password?: Secret;
  readonly privateKey?: Secret;
  readonly passphrase?: Secret;
}

export interface SnmpV2c {
  readonly version: '2c';
  readonly community: Secret;
}

export type SnmpAuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type SnmpPrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

export interface SnmpV3 {
  readonly version: '3';
  readonly user: string;
  readonly level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  readonly authProtocol?: SnmpAuthProtocol;
  readonly authKey?: Secret;
  readonly privProtocol?: SnmpPrivProtocol;
  readonly privKey?: Secret;
}

export type SnmpCredentials = SnmpV2c | SnmpV3;

export interface RadiusCredentials {
  readonly secret: Secret;
  /** A dedicated probe account, never a real person's; enables Access-Request checks. */
  readonly probeUser?: { readonly username: string; readonly password: Secret };
}

/**
 * What a prober presents to `psm-netcheck respond`: its inventory name and the inventory's shared
 * responder token. Not part of any credential set: the planner fills it, for probes that go to a
 * responder, from the vantage and the inventory's `responder.token`.
 */
export interface ResponderCredentials {
  readonly name: string;
  readonly token: Secret;
}

/** The credential slots a host can fill. Keys are what the inventory's `credentials:` map names. */
export interface HostCredentials {
  /** SSH login, used for NETCONF over SSH. */
  readonly ssh?: SshLogin;
  readonly snmp?: SnmpCredentials;
  readonly radius?: RadiusCredentials;
  /** Only on probes planned through a responder (`check --via-responder`). */
  readonly responder?: ResponderCredentials;
}

export type CredentialSlot = keyof HostCredentials;

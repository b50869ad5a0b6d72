import type { HostCredentials, RadiusCredentials, SnmpCredentials, SshLogin } from '../core/credentials.js';
import type { Problem } from './problem.js';
import { isMap, listAt, mapAt, rawCredentialNames } from './raw.js';
import type { CredentialSetInput, SecretRef } from './schema.js';
import type { Secret } from '../core/secret.js';
import { resolveSecretRef, type SecretSource } from './secret-refs.js';
import { formatPath, type DataPath } from './yaml-locate.js';

/** Where secret references sit inside each slot of a credential set. */
const SECRET_POSITIONS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  ssh: [['password'], ['privateKey'], ['passphrase']],
  snmp: [['community'], ['authKey'], ['privKey']],
  radius: [['secret'], ['probeUser', 'password']],
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A well-formed reference, or undefined (the schema reports malformed ones). */
function asRef(value: unknown): SecretRef | undefined {
  if (!isMap(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (typeof value.env === 'string' && ENV_NAME.test(value.env)) return { env: value.env };
  if (typeof value.file === 'string' && value.file !== '') return { file: value.file };
  return undefined;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) node = isMap(node) ? node[key] : undefined;
  return node;
}

/** Resolved secrets by the data path of their reference, e.g. `credentials.ne-ssh.ssh.password`. */
export type ResolvedSecrets = ReadonlyMap<string, Secret>;

/**
 * Reads every secret that a host actually uses (sets nobody references are left alone). Works on
 * the raw data so that a missing variable shows beside schema errors. With `require`, a secret
 * that cannot be read is a problem; without, it is only absent (and its slot with it).
 */
export function resolveUsedSecrets(
  data: unknown,
  source: SecretSource,
  require: boolean,
): { secrets: ResolvedSecrets; problems: Problem[] } {
  const sets = mapAt(data, 'credentials') ?? {};
  const used = new Set(listAt(data, 'hosts').flatMap((host) => rawCredentialNames(data, host)));
  const secrets = new Map<string, Secret>();
  const problems: Problem[] = [];
  for (const name of used) {
    const set = sets[name];
    if (!isMap(set) || !Object.hasOwn(sets, name)) continue;
    for (const [slot, positions] of Object.entries(SECRET_POSITIONS)) {
      for (const position of positions) {
        const ref = asRef(valueAt(set[slot], position));
        if (!ref) continue;
        const path: DataPath = ['credentials', name, slot, ...position];
        const resolution = resolveSecretRef(ref, source);
        if (resolution.ok) secrets.set(formatPath(path), resolution.secret);
        else if (require) problems.push({ path: [...path, resolution.field], target: 'value', message: resolution.message });
      }
    }
  }
  return { secrets, problems };
}

/** One validated credential set's slots with their secrets; a slot missing a secret is left out. */
export function credentialsOfSet(name: string, set: CredentialSetInput, secrets: ResolvedSecrets): HostCredentials {
  const slotPath = (slot: string) => ['credentials', name, slot];
  // A reference with no resolved secret makes the whole slot unusable.
  const pick = (slot: string, ...position: string[]) => secrets.get(formatPath([...slotPath(slot), ...position]));
  const complete = (slot: string, refs: Record<string, SecretRef | undefined>) =>
    Object.keys(refs).every((key) => refs[key] === undefined || pick(slot, key) !== undefined);

  const result: { ssh?: SshLogin; snmp?: SnmpCredentials; radius?: RadiusCredentials } = {};
  if (set.ssh) {
    const { username, password, privateKey, passphrase } = set.ssh;
    if (complete('ssh', { password, privateKey, passphrase })) {
      result.ssh = {
        username,
        ...(password && { password: pick('ssh', 'password') as Secret }),
        ...(privateKey && { privateKey: pick('ssh', 'privateKey') as Secret }),
        ...(passphrase && { passphrase: pick('ssh', 'passphrase') as Secret }),
      };
    }
  }
  if (set.snmp) {
    const snmp = set.snmp;
    if (snmp.version === '2c') {
      const community = pick('snmp', 'community');
      if (community) result.snmp = { version: '2c', community };
    } else if (complete('snmp', { authKey: snmp.authKey, privKey: snmp.privKey })) {
      result.snmp = {
        version: '3',
        user: snmp.user,
        level: snmp.level,
        ...(snmp.authProtocol && { authProtocol: snmp.authProtocol }),
        ...(snmp.authKey && { authKey: pick('snmp', 'authKey') as Secret }),
        ...(snmp.privProtocol && { privProtocol: snmp.privProtocol }),
        ...(snmp.privKey && { privKey: pick('snmp', 'privKey') as Secret }),
      };
    }
  }
  if (set.radius) {
    const secret = pick('radius', 'secret');
    const probeUser = set.radius.probeUser;
    const probePassword = probeUser && pick('radius', 'probeUser', 'password');
    if (secret && (!probeUser || probePassword)) {
      result.radius = {
        secret,
        ...(probeUser && probePassword && { probeUser: { username: probeUser.username, password: probePassword } }),
      };
    }
  }
  return result;
}

/**
 * A host's credentials: the sets of its roles' defaults, then its own, a later set winning per
 * slot. `sets` holds each set's usable slots (see credentialsOfSet).
 */
export function mergeCredentials(names: readonly string[], sets: ReadonlyMap<string, HostCredentials>): HostCredentials {
  let merged: HostCredentials = {};
  for (const name of names) merged = { ...merged, ...sets.get(name) };
  return merged;
}

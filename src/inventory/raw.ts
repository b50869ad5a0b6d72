/**
 * Defensive readers of the YAML data as parsed, before (or despite) schema validation: reference
 * checks and secret resolution run on it so that their errors show together with schema errors.
 */

export type RawMap = Readonly<Record<string, unknown>>;

export function isMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mapAt(value: unknown, key: string): RawMap | undefined {
  const inner = isMap(value) ? value[key] : undefined;
  return isMap(inner) ? inner : undefined;
}

export function listAt(value: unknown, key: string): readonly unknown[] {
  const inner = isMap(value) ? value[key] : undefined;
  return Array.isArray(inner) ? inner : [];
}

/** The roles a raw host declares, from `role` or `roles`. */
export function rawRoles(host: unknown): string[] {
  if (!isMap(host)) return [];
  const roles = Array.isArray(host.roles) ? host.roles : [host.role];
  return roles.filter((role): role is string => typeof role === 'string');
}

/**
 * Credential set names a raw host uses, in the order they apply: the defaults of each of its roles,
 * then its own list. Names only; unknown ones are reported by ./references.ts.
 */
export function rawCredentialNames(data: unknown, host: unknown): string[] {
  const roleDefaults = mapAt(mapAt(data, 'defaults'), 'credentials');
  const fromRoles = rawRoles(host).flatMap((role) => {
    const names = roleDefaults?.[role];
    return Array.isArray(names) ? names : [];
  });
  return [...fromRoles, ...listAt(host, 'credentials')].filter((name): name is string => typeof name === 'string');
}

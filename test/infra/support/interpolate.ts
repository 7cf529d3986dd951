/**
 * Compose-file interpolation (compose-spec "Interpolation"): `$$` is a literal `$`; `${VAR}`, `$VAR`,
 * `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`, `${VAR:+alt}` / `${VAR+alt}`.
 * The `:` forms treat an empty value as unset. A missing required variable throws with its message.
 */
const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface Reference {
  name: string;
  /** `-`, `?` or `+` (with a leading `:` when present), or undefined for a plain reference. */
  operator: string | undefined;
  argument: string | undefined;
}

export function references(text: string): Reference[] {
  const found: Reference[] = [];
  for (const m of text.matchAll(PATTERN)) {
    const name = m[1] ?? m[4];
    if (name !== undefined) found.push({ name, operator: m[2], argument: m[3] });
  }
  return found;
}

export function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(PATTERN, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env.get(name);
    const unset = operator?.startsWith(':') ? value === undefined || value === '' : value === undefined;
    switch (operator?.replace(':', '')) {
      case '-':
        return unset ? (argument ?? '') : (value as string);
      case '?':
        if (unset) throw new Error(`required variable ${name} is missing: ${argument}`);
        return value as string;
      case '+':
        return unset ? '' : (argument ?? '');
      default:
        return value ?? '';
    }
  });
}

/** Interpolates every string in a parsed YAML document (keys are left alone, as compose does). */
export function interpolateDeep<T>(value: T, env: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return value;
}

/** Every string in a document, with its path (for messages). */
export function* strings(value: unknown, path = ''): Generator<[path: string, text: string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* strings(v, path ? `${path}.${k}` : k);
  }
}

/**
 * The defaults with the options a caller set laid over them. An option given as `undefined` keeps its default,
 * so `{ log: undefined }` resolves as `{}` does (callers pass through optional values they were given).
 */
export function withDefaults<T extends object>(defaults: Required<T>, options: T): Required<T> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...defined };
}

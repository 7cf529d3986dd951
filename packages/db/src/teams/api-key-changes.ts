import type { Store } from '../store/store.ts';

const changes = new WeakMap<object, number>();
/** Stores that wrap another (observeStatements) and share its count. */
const wrapped = new WeakMap<object, object>();

/**
 * How many times this process has changed API keys or teams through `store` (revoked, created, edited a key,
 * renamed a team): a cache of resolved keys (the API's auth hook) drops what it resolved before the count moved,
 * so a change made in this process takes effect on the next request. Changes by other processes are not counted;
 * such a cache bounds them by its TTL.
 */
export function apiKeyChangeCount(store: Store): number {
  return changes.get(wrapped.get(store) ?? store) ?? 0;
}

/**
 * `wrapper` is `store` seen through another object (observeStatements): its writes are the store's.
 * @internal
 */
export function shareApiKeyChanges(wrapper: object, store: object): void {
  wrapped.set(wrapper, wrapped.get(store) ?? store);
}

/**
 * Counts a write that may have changed a key: Prisma writes to the ApiKey and Team models, and raw executes
 * (which may touch anything), through the store's Prisma client.
 * @internal
 */
export function noteApiKeyWrite(store: object, model: string | undefined, operation: string): void {
  const raw = model === undefined && operation.startsWith('$executeRaw');
  const write = /^(create|update|upsert|delete)/.test(operation) && (model === 'ApiKey' || model === 'Team');
  if (raw || write) changes.set(store, (changes.get(store) ?? 0) + 1);
}

import { createHash, randomBytes } from 'node:crypto';

/** Every Distillery API key starts with this, so leaked keys are recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'dst_';

/** Length of the stored `prefix`: `dst_` plus 8 characters, enough to tell a team's keys apart in listings. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

/** A freshly generated key: the secret goes to the user once; only `hash` and `prefix` are stored. */
export interface GeneratedApiKey {
  apiKey: string;
  hash: string;
  prefix: string;
}

/** sha256 hex of the key: what `api_keys.hash` stores and what lookups compare. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** `dst_` + 32 random bytes in base64url (43 characters): 256 bits of entropy. */
export function generateApiKey(): GeneratedApiKey {
  const apiKey = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { apiKey, hash: hashApiKey(apiKey), prefix: apiKey.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH) };
}

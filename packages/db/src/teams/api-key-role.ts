/**
 * What a key may do in its team. Roles are ordered: each one may do everything the roles after it may.
 * - admin: manage the team's keys (create, list, revoke), and everything a member may.
 * - member: submit and cancel sweeps and runs, and everything a viewer may.
 * - viewer: read sweeps, runs, results, frontier and comparisons.
 */
export const API_KEY_ROLES = ['admin', 'member', 'viewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** The role of a key made without one (and of every key made before roles existed): the team's creator. */
export const DEFAULT_API_KEY_ROLE: ApiKeyRole = 'admin';

export function isApiKeyRole(value: string): value is ApiKeyRole {
  return (API_KEY_ROLES as readonly string[]).includes(value);
}

/** Whether a key with `role` may do what needs `required` (admin ⊃ member ⊃ viewer). */
export function roleAllows(role: ApiKeyRole, required: ApiKeyRole): boolean {
  return API_KEY_ROLES.indexOf(role) <= API_KEY_ROLES.indexOf(required);
}

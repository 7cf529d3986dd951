import { API_KEY_ROLES, MAX_API_KEY_NAME_LENGTH } from '@distillery/db';
import { z } from 'zod';

export const ApiKeyRole = z
  .enum(API_KEY_ROLES)
  .describe('admin: manage keys, and everything a member may; member: submit and cancel, and read; viewer: read.');
export type ApiKeyRole = z.infer<typeof ApiKeyRole>;

export const API_KEY_STATES = ['active', 'revoked', 'expired'] as const;

/** A key in its team's listing. The secret is never shown again after creation. */
export const ApiKeyInfo = z
  .object({
    id: z.uuid().describe("The key's id (not the secret)."),
    name: z.string().describe('Who or what holds the key.'),
    prefix: z.string().describe("The key's first 12 characters (`dst_` + 8), to tell keys apart."),
    role: ApiKeyRole.describe('What the key may do.'),
    state: z.enum(API_KEY_STATES).describe('active, revoked or expired.'),
    createdAt: z.iso.datetime().describe('When the key was made.'),
    lastUsedAt: z.iso.datetime().nullable().describe('When a request last authenticated with it; null if never.'),
    expiresAt: z.iso.datetime().nullable().describe('When it stops working; null if never.'),
    revokedAt: z.iso.datetime().nullable().describe('When an admin revoked it; null while not revoked.'),
  })
  .meta({
    id: 'ApiKeyInfo',
    example: {
      id: '5b0c3f5e-1f7a-4c1e-9b7e-2f0d6f3c9a11',
      name: 'alice',
      prefix: 'dst_Xk3v9QpL',
      role: 'member',
      state: 'active',
      createdAt: '2026-11-27T18:00:00.000Z',
      lastUsedAt: '2026-11-27T18:05:00.000Z',
      expiresAt: '2027-02-25T18:00:00.000Z',
      revokedAt: null,
    },
  });
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const ApiKeyList = z
  .object({ items: z.array(ApiKeyInfo).describe("The team's keys, newest first.") })
  .meta({ id: 'ApiKeyList' });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const MAX_KEY_LIFETIME_DAYS = 3650;

/** `POST /v1/keys`. */
export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(MAX_API_KEY_NAME_LENGTH).describe('Who or what holds the key.'),
    role: ApiKeyRole.describe('What the key may do.'),
    expiresInDays: z
      .int()
      .min(1)
      .max(MAX_KEY_LIFETIME_DAYS)
      .optional()
      .describe('The key stops working this many days from now. Absent: it never expires.'),
  })
  .meta({ example: { name: 'alice', role: 'member', expiresInDays: 90 } });
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

/** A new key: `apiKey` is the secret, shown this once. */
export const CreatedApiKey = ApiKeyInfo.extend({
  apiKey: z.string().describe('The secret: send it as `Authorization: Bearer <apiKey>`. Shown only now.'),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** `GET /v1/me`: who the caller's key speaks for. */
export const Identity = z
  .object({
    teamId: z.uuid().describe('The team the key belongs to.'),
    teamName: z.string().describe("The team's name."),
    key: z
      .object({
        id: z.uuid().describe("The key's id (not the secret)."),
        name: z.string().describe('Who or what holds the key.'),
        role: ApiKeyRole,
      })
      .describe('The key making the request.'),
  })
  .meta({
    id: 'Identity',
    example: {
      teamId: '0d4c2b8e-8f7a-4a51-9a0e-7c1f2e3d4b5a',
      teamName: 'vision-lab',
      key: { id: '5b0c3f5e-1f7a-4c1e-9b7e-2f0d6f3c9a11', name: 'alice', role: 'member' },
    },
  });
export type Identity = z.infer<typeof Identity>;

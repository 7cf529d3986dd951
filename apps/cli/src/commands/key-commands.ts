import type { ApiKeyList, CreatedApiKey } from '@distillery/api';
import { withClient } from '../client/connect.ts';
import { formatTable } from '../client/table.ts';

export interface KeyCreateFlags {
  role: string;
  expiresInDays?: string;
}

/** Creates a key for a team member (admins only); the secret is printed alone on the last line, once. */
export async function keyCreateCommand(name: string, flags: KeyCreateFlags): Promise<void> {
  const body: Record<string, unknown> = { name, role: flags.role };
  if (flags.expiresInDays !== undefined) body.expiresInDays = Number(flags.expiresInDays);
  const key = await withClient((api) =>
    api.request<CreatedApiKey>('POST', '/v1/keys', {
      text: JSON.stringify(body),
      contentType: 'application/json',
    }),
  );
  const expiry = key.expiresAt ? `, expires ${key.expiresAt}` : '';
  console.log(`created ${key.role} key '${key.name}' (${key.id}${expiry}); the key (shown once, store it now):`);
  console.log(key.apiKey);
}

/** The team's keys: never the secrets. */
export async function keyListCommand(): Promise<void> {
  const { items } = await withClient((api) => api.request<ApiKeyList>('GET', '/v1/keys'));
  console.log(
    formatTable(
      ['id', 'name', 'prefix', 'role', 'state', 'created', 'last used', 'expires'],
      items.map((k) => [
        k.id,
        k.name,
        k.prefix,
        k.role,
        k.state,
        k.createdAt,
        k.lastUsedAt ?? '–',
        k.expiresAt ?? 'never',
      ]),
    ),
  );
}

/** Revokes a key: it stops working at once. */
export async function keyRevokeCommand(id: string): Promise<void> {
  await withClient((api) => api.request('DELETE', `/v1/keys/${encodeURIComponent(id)}`));
  console.log(`revoked key ${id}`);
}

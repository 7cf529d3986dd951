import type { Identity } from '@distillery/api';
import { ApiClient } from '../api-client.ts';
import { clientConfigPath, normaliseUrl, removeClientConfig, saveClientConfig } from '../client/client-config.ts';
import { readSecret } from '../client/read-secret.ts';
import { ConfigError } from '../config-error.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface LoginFlags {
  url?: string;
  key?: string;
}

/**
 * Checks the key against the API (`GET /v1/me`) and stores URL and key in the config file, readable by its owner
 * only (0600). Nothing is stored when the check fails.
 */
export async function loginCommand(flags: LoginFlags): Promise<void> {
  const url = normaliseUrl(flags.url ?? process.env.DISTILLERY_URL ?? DEFAULT_API_URL, '--url');
  const apiKey = flags.key ?? process.env.DISTILLERY_API_KEY ?? (await readSecret('API key (not shown): '));
  if (apiKey === '') throw new ConfigError('no API key given: pass --key, set DISTILLERY_API_KEY, or type it');
  const me = await new ApiClient(url, apiKey).request<Identity>('GET', '/v1/me');
  const path = clientConfigPath();
  saveClientConfig({ url, apiKey }, path);
  const who = me.key.name ? `${me.key.name}, ` : '';
  console.log(`logged in to ${url} as team '${me.teamName}' (${who}${me.key.role}); saved to ${path}`);
}

export async function logoutCommand(): Promise<void> {
  const path = clientConfigPath();
  console.log(removeClientConfig(path) ? `removed ${path}` : `not logged in (no ${path})`);
}

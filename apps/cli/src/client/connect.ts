import { ApiClient } from '../api-client.ts';
import { loadClientConfig } from './client-config.ts';

/** A client for the API the user logged in to (or DISTILLERY_URL / DISTILLERY_API_KEY). */
export function connect(): ApiClient {
  const config = loadClientConfig();
  return new ApiClient(config.url, config.apiKey);
}

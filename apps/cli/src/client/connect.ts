import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../api-client.ts';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { findRunningServe } from '../runtime/serve-file.ts';
import { clientConfigPath, loadClientConfig } from './client-config.ts';

/** An API to talk to, and how to let go of it (the in-process store closes; HTTP has nothing to close). */
export interface ClientConnection {
  api: ApiClient;
  /** `http` for a logged-in API or a running `serve`; `local` for the embedded store opened in this process. */
  kind: 'http' | 'local';
  close(): Promise<void>;
}

/**
 * The API the client commands use, first that applies:
 * 1. DISTILLERY_URL / DISTILLERY_API_KEY, or the saved `distillery login`;
 * 2. on the embedded store (DATABASE_URL unset), a `serve` running on its data folder, over HTTP;
 * 3. the embedded store itself, opened in this process as its local team (no login, no server).
 */
export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<ClientConnection> {
  const http = (api: ApiClient): ClientConnection => ({ api, kind: 'http', close: async () => {} });
  if (env.DISTILLERY_URL || env.DISTILLERY_API_KEY || existsSync(clientConfigPath(env))) {
    const config = loadClientConfig(env);
    return http(new ApiClient(config.url, config.apiKey));
  }
  const config = loadConfig(env);
  if (config.mode !== 'embedded') return http(connectLoggedIn(env));
  const serve = findRunningServe(config.dataDir);
  if (serve) return http(new ApiClient(serve.url, serve.apiKey));
  if (!existsSync(join(config.dataDir, 'pgdata'))) {
    throw new ConfigError(
      'not logged in: run `distillery login --url <api url>` (or set DISTILLERY_URL and DISTILLERY_API_KEY); ' +
        `nor is there an embedded store at ${config.dataDir} to read instead (\`distillery run FILE\` makes one)`,
    );
  }
  const { openLocalClient } = await import('./local-client.ts');
  const local = await openLocalClient(config.dataDir);
  return { api: local.api, kind: 'local', close: local.close };
}

function connectLoggedIn(env: NodeJS.ProcessEnv): ApiClient {
  const config = loadClientConfig(env);
  return new ApiClient(config.url, config.apiKey);
}

/**
 * An API over HTTP alone, for commands that hand work to whoever executes it (`sweep submit`): the login, else
 * a `serve` running on the embedded store's data folder.
 */
export function connect(env: NodeJS.ProcessEnv = process.env): ApiClient {
  if (!env.DISTILLERY_URL && !env.DISTILLERY_API_KEY && !existsSync(clientConfigPath(env))) {
    const config = loadConfig(env);
    const serve = config.mode === 'embedded' ? findRunningServe(config.dataDir) : undefined;
    if (serve) return new ApiClient(serve.url, serve.apiKey);
    if (config.mode === 'embedded' && existsSync(join(config.dataDir, 'pgdata'))) {
      throw new ConfigError(
        `nothing serves the embedded store at ${config.dataDir}: start \`distillery serve\` and submit again, ` +
          'or `distillery run FILE` runs the sweep in this process (or `distillery login` to an API)',
      );
    }
  }
  return connectLoggedIn(env);
}

/** Runs `use` against {@link connectClient}'s API, then lets go of it. */
export async function withClient<T>(use: (api: ApiClient, connection: ClientConnection) => Promise<T>): Promise<T> {
  const connection = await connectClient();
  try {
    return await use(connection.api, connection);
  } finally {
    await connection.close();
  }
}

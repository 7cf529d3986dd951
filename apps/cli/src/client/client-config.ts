import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config-error.ts';

/** Where `distillery login` keeps the API's URL and key. */
export interface ClientConfig {
  url: string;
  apiKey: string;
}

/**
 * The config file: env DISTILLERY_CONFIG, else `$XDG_CONFIG_HOME/distillery/config.json`, else
 * `~/.config/distillery/config.json`.
 */
export function clientConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DISTILLERY_CONFIG) return env.DISTILLERY_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'distillery', 'config.json');
}

/** Writes the file readable and writable by its owner only (0600): it holds a secret. */
export function saveClientConfig(config: ClientConfig, path = clientConfigPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of a file that already exists.
  chmodSync(path, 0o600);
}

export function removeClientConfig(path = clientConfigPath()): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/**
 * The API to talk to: env DISTILLERY_URL and DISTILLERY_API_KEY win over the config file (for scripts and CI);
 * without either, a clear error says to log in.
 */
export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const path = clientConfigPath(env);
  let saved: Partial<ClientConfig> = {};
  if (existsSync(path)) {
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientConfig>;
    } catch (e) {
      throw new ConfigError(`${path} is not valid JSON: ${(e as Error).message}; run \`distillery login\` again`);
    }
  }
  const url = env.DISTILLERY_URL || saved.url;
  const apiKey = env.DISTILLERY_API_KEY || saved.apiKey;
  if (!url || !apiKey) {
    throw new ConfigError(
      'not logged in: run `distillery login --url <api url>` (or set DISTILLERY_URL and DISTILLERY_API_KEY)',
    );
  }
  return { url: normaliseUrl(url, env.DISTILLERY_URL ? 'DISTILLERY_URL' : path), apiKey };
}

/** An http(s) URL without a trailing slash; `where` names the setting in the error. */
export function normaliseUrl(url: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${where}: '${url}' is not a URL (expected e.g. http://localhost:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${where}: the API URL must start with http:// or https://, got '${parsed.protocol}//'`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

import { resolve } from 'node:path';
// The dependency-free entries, not the packages' indexes: every command reads its configuration, and a client
// command that loaded Prisma, pg and BullMQ for two names would spend most of its start-up on them.
import { parseDatabaseUrl } from '@distillery/db/database-url';
import { DEFAULT_QUEUE_PREFIX } from '@distillery/queue/options';
import { ConfigError } from './config-error.ts';

/**
 * Where Distillery keeps its results and carries its runs, decided by configuration alone:
 * - `embedded`: neither DATABASE_URL nor REDIS_URL is set. No servers: PostgreSQL in-process (PGlite) under
 *   DISTILLERY_DATA_DIR, runs executed in the process that serves or runs the sweep.
 * - `server`: both are set. A team's PostgreSQL and Redis, with workers on any machine.
 * - `database`: only DATABASE_URL is set. Enough for the commands that only touch the database (migrate,
 *   team create, export, import); the others say that Redis is missing.
 */
export type DeploymentMode = 'embedded' | 'server' | 'database';

export interface DistilleryConfig {
  mode: DeploymentMode;
  /** env DATABASE_URL; empty in the embedded mode. */
  databaseUrl: string;
  /** env REDIS_URL; empty unless set. */
  redisUrl: string;
  /** env DISTILLERY_QUEUE_PREFIX: separates deployments sharing one Redis. @defaultValue distillery */
  queuePrefix: string;
  /** env DISTILLERY_DATA_DIR, absolute: the embedded store's folder. @defaultValue ./.distillery */
  dataDir: string;
}

/** Shown as the example Redis URL in messages (and a server's usual address). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The embedded store's folder when DISTILLERY_DATA_DIR is not set, from the working directory. */
export const DEFAULT_DATA_DIR = '.distillery';

const EMBEDDED_HINT =
  'unset both to run embedded (no servers: PostgreSQL in-process under DISTILLERY_DATA_DIR, runs executed in-process)';

/** Reads and validates the configuration once, at start, with messages naming the variable and the rule. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DistilleryConfig {
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  const redisUrl = env.REDIS_URL?.trim() ?? '';
  if (redisUrl !== '') {
    let parsed: URL;
    try {
      parsed = new URL(redisUrl);
    } catch {
      throw new ConfigError(`REDIS_URL is not a URL: '${redisUrl}' (expected e.g. ${DEFAULT_REDIS_URL})`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got '${parsed.protocol}//'`);
    }
  }
  if (databaseUrl !== '') {
    try {
      parseDatabaseUrl(databaseUrl, 'DATABASE_URL');
    } catch (e) {
      throw new ConfigError((e as Error).message, { cause: e });
    }
  }
  if (redisUrl !== '' && databaseUrl === '') {
    throw new ConfigError(
      'REDIS_URL is set but DATABASE_URL is not: a server deployment needs both (PostgreSQL holds the results, ' +
        `Redis carries the runs to the workers); set DATABASE_URL (e.g. postgresql://user@host:5432/distillery), or ${EMBEDDED_HINT}`,
    );
  }
  const queuePrefix = env.DISTILLERY_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('DISTILLERY_QUEUE_PREFIX must be 1–64 letters, digits, - or _');
  }
  const rawDataDir = env.DISTILLERY_DATA_DIR?.trim() || DEFAULT_DATA_DIR;
  const mode: DeploymentMode = databaseUrl === '' ? 'embedded' : redisUrl === '' ? 'database' : 'server';
  return { mode, databaseUrl, redisUrl, queuePrefix, dataDir: resolve(rawDataDir) };
}

/**
 * For commands that queue or execute runs (`serve`, `demo`, `run`): the embedded mode or a full server
 * deployment; with DATABASE_URL alone, says that REDIS_URL is missing.
 */
export function requireQueue(config: DistilleryConfig, command: string): void {
  if (config.mode !== 'database') return;
  throw new ConfigError(
    `DATABASE_URL is set but REDIS_URL is not: \`distillery ${command}\` on a server needs both (PostgreSQL holds ` +
      `the results, Redis carries the runs to the workers); set REDIS_URL (e.g. ${DEFAULT_REDIS_URL}), or ${EMBEDDED_HINT}`,
  );
}

/**
 * For commands that only make sense with Redis (`worker`, `reconcile`): a server deployment, or a message
 * saying what to set — or what to run instead in the embedded mode.
 */
export function requireServer(config: DistilleryConfig, command: string): void {
  requireQueue(config, command);
  if (config.mode === 'server') return;
  throw new ConfigError(
    `\`distillery ${command}\` serves a server deployment (PostgreSQL + Redis), and neither DATABASE_URL nor ` +
      'REDIS_URL is set: set both to join one, or use `distillery run FILE` / `distillery serve`, which execute ' +
      'runs in-process on the embedded store',
  );
}

/** A port from `--port`, else env PORT, else the default; 0 picks a free port. */
export function resolvePort(flag: string | undefined, env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = flag ?? env.PORT;
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`${flag !== undefined ? '--port' : 'PORT'} must be an integer 0–65535, got '${raw}'`);
  }
  return port;
}

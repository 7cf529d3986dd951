import type { DatabasePoolOptions } from '@distillery/db';
import { integerEnv } from './integer-env.ts';

/**
 * The results database pool's timeouts from the environment (README's table); unset ones keep the documented
 * defaults of DatabasePoolOptions (connect 5 s, statement 30 s, idle in a transaction 60 s).
 */
export function resolveDatabasePoolOptions(env: NodeJS.ProcessEnv): DatabasePoolOptions {
  const options: DatabasePoolOptions = {};
  const connect = integerEnv(env, 'DISTILLERY_DB_CONNECT_TIMEOUT_MS', 100, 600_000);
  const statement = integerEnv(env, 'DISTILLERY_DB_STATEMENT_TIMEOUT_MS', 100, 86_400_000);
  const idle = integerEnv(env, 'DISTILLERY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 100, 86_400_000);
  if (connect !== undefined) options.connectTimeoutMs = connect;
  if (statement !== undefined) options.statementTimeoutMs = statement;
  if (idle !== undefined) options.idleInTransactionTimeoutMs = idle;
  return options;
}

import pg from 'pg';
import { DatabaseConnectError, DatabaseQueryTimeoutError } from './database-connection-errors.ts';
import { type DatabasePoolOptions, resolveDatabasePoolOptions } from './database-pool-options.ts';

type Callback = (error: Error | undefined, ...rest: unknown[]) => void;

/** The pool options under which GuardedClient finds its bound (the pool hands its options to each client). */
interface GuardedClientConfig extends pg.ClientConfig {
  distilleryQueryTimeoutMs?: number;
}

/**
 * A pg client that gives up on a statement the server does not answer within its bound: the connection is
 * dropped (the pool then discards it) and the statement fails with {@link DatabaseQueryTimeoutError}. pg's own
 * `query_timeout` leaves the connection in use and fails with an error that has no code.
 */
class GuardedClient extends pg.Client {
  private readonly queryTimeoutMs: number;

  constructor(config: GuardedClientConfig = {}) {
    super(config);
    this.queryTimeoutMs = config.distilleryQueryTimeoutMs ?? 0;
    // A dropped connection also fails the statement in flight; without a listener its 'error' would crash.
    this.on('error', () => {});
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this forwards all of them.
  override query(...args: any[]): any {
    const [config] = args;
    const submittable = typeof config === 'object' && config !== null && typeof config.submit === 'function';
    const ms = this.queryTimeoutMs;
    if (submittable || ms <= 0) return (super.query as (...a: unknown[]) => unknown)(...args);
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as Callback;
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.abandon();
        callback(new DatabaseQueryTimeoutError(ms));
      }, ms);
      args[args.length - 1] = (error: Error | undefined, ...rest: unknown[]) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        callback(error, ...rest);
      };
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const pending = (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.abandon();
        reject(new DatabaseQueryTimeoutError(ms));
      }, ms);
      pending.then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Drops the connection at once: a silent server would never acknowledge a polite Terminate. */
  private abandon(): void {
    (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  }
}

/**
 * The results database's pg pool, bounded (see {@link DatabasePoolOptions}): connections open within
 * `connectTimeoutMs`, the server cancels statements past `statementTimeoutMs` and ends sessions idle in a
 * transaction past `idleInTransactionTimeoutMs`, and the client drops a connection whose statement the server
 * leaves unanswered past `queryTimeoutMs`. A failure to connect that the driver leaves without a code (its own
 * timeouts, a connection closed during startup) becomes a {@link DatabaseConnectError}, so callers classify every
 * outage by code.
 */
export class GuardedPool extends pg.Pool {
  constructor(connectionString: string, options: DatabasePoolOptions = {}) {
    const resolved = resolveDatabasePoolOptions(options);
    const config: pg.PoolConfig & GuardedClientConfig = {
      connectionString,
      max: resolved.maxConnections,
      connectionTimeoutMillis: resolved.connectTimeoutMs,
      statement_timeout: resolved.statementTimeoutMs,
      idle_in_transaction_session_timeout: resolved.idleInTransactionTimeoutMs,
      keepAlive: true,
      distilleryQueryTimeoutMs: resolved.queryTimeoutMs,
      Client: GuardedClient,
    };
    super(config);
    this.connectTimeoutMs = resolved.connectTimeoutMs;
  }

  private readonly connectTimeoutMs: number;

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | undefined {
    if (callback === undefined) {
      return super.connect().catch((error: unknown) => {
        throw this.classify(error);
      });
    }
    super.connect((error, client, done) => callback(error ? this.classify(error) : error, client, done));
    return undefined;
  }

  /** A connect failure with a code (ECONNREFUSED, a SQLSTATE) stays as it is; one without gets ours. */
  private classify(error: unknown): Error {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    return typeof code === 'string' && error instanceof Error
      ? error
      : new DatabaseConnectError(this.connectTimeoutMs, { cause: error });
  }
}

import { Redis } from 'ioredis';

/**
 * Answers "is Redis reachable right now?" fast. Its own connection has no offline queue, so a command while
 * Redis is down fails at once instead of waiting for a reconnect (BullMQ's connections wait forever, by design).
 */
export class RedisProbe {
  private readonly client: Redis;
  /** The connection's last error (e.g. `connect ECONNREFUSED 127.0.0.1:6379`), said instead of "closed". */
  private lastError: Error | undefined;

  constructor(redisUrl: string) {
    this.client = new Redis(redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      connectTimeout: 2000,
    });
    // Connection errors surface through ping(); without a listener ioredis would log them as unhandled.
    this.client.on('error', (e: Error) => {
      this.lastError = e;
    });
  }

  /** Resolves when Redis answers PING within `timeoutMs`; throws otherwise. */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
      await Promise.race([
        this.client.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      throw this.lastError && /closed/i.test((e as Error).message) ? this.lastError : e;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

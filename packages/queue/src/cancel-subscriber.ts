import { Redis } from 'ioredis';
import { cancelChannel } from './run-queue.ts';

/**
 * A worker's ear for cancellations (RunQueue.announceCancelled): calls `onCancelled` with each announced run
 * id. Pub/sub is fire-and-forget — a worker that misses a message still learns of the cancellation from its
 * next heartbeat, which finds the run no longer running.
 */
export class CancelSubscriber {
  private readonly client: Redis;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    onCancelled: (runId: string) => void,
  ) {
    this.client = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.client.on('error', () => {});
    this.client.on('message', (_channel: string, message: string) => {
      try {
        const ids: unknown = JSON.parse(message);
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') onCancelled(id);
      } catch {
        // Not ours: ignore.
      }
    });
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.client.subscribe(cancelChannel(this.prefix));
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

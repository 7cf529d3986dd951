import { buildApp } from '@distillery/api';
import { RunEventListener } from '@distillery/db';
import { RedisProbe, RunQueue } from '@distillery/queue';
import { loadConfig, resolvePort } from '../config.ts';
import { resolveRateLimit } from '../rate-limit-config.ts';
import { checkRedis, connectDatabase } from '../services.ts';
import { onShutdown } from '../shutdown.ts';

export const DEFAULT_PORT = 8080;

export interface ServeFlags {
  port?: string;
  host?: string;
}

/** Runs the REST API until SIGINT/SIGTERM. */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = loadConfig();
  const port = resolvePort(flags.port, process.env, DEFAULT_PORT);
  const host = flags.host ?? process.env.HOST ?? '127.0.0.1';
  const db = await connectDatabase(config);
  await checkRedis(config);
  const queue = new RunQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const redisProbe = new RedisProbe(config.redisUrl);
  // One LISTEN connection wakes the SSE streams when run events commit (they poll as well).
  const runEvents = new RunEventListener(config.databaseUrl);
  await runEvents.start();
  const app = await buildApp({
    db,
    queue,
    redisProbe,
    logger: true,
    events: { source: runEvents },
    rateLimit: resolveRateLimit(process.env, config.redisUrl),
  });
  await app.listen({ port, host });
  onShutdown(async () => {
    await app.close();
    await Promise.all([queue.close(), redisProbe.close(), runEvents.close(), db.$disconnect()]);
  });
}

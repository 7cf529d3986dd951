import { RunWorker } from '@distillery/worker';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { checkRedis, connectDatabase } from '../services.ts';
import { onShutdown } from '../shutdown.ts';

export interface WorkerFlags {
  concurrency?: string;
  backend?: string;
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** Runs a worker process until SIGINT/SIGTERM; the current run finishes first. */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const config = loadConfig();
  const concurrency = Number(flags.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ConfigError(`--concurrency must be an integer 1–64, got '${flags.concurrency}'`);
  }
  const backend = flags.backend as (typeof BACKENDS)[number] | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend)) {
    throw new ConfigError(`--backend must be one of ${BACKENDS.join(', ')}, got '${flags.backend}'`);
  }
  const db = await connectDatabase(config);
  await checkRedis(config);
  const worker = new RunWorker({
    db,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    concurrency,
    ...(backend ? { backend } : {}),
  });
  await worker.start();
  onShutdown(async () => {
    await worker.close();
    await db.$disconnect();
  });
}

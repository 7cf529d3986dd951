import { MAX_PACK_MAX } from '@distillery/spec';
import { DEFAULT_ARTIFACT_DIR, FileCheckpointStore, RunWorker } from '@distillery/worker';
import { loadConfig, requireServer } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { loadDataRoots } from '../data-roots-config.ts';
import { checkRedis, connectDatabase } from '../services.ts';
import { onShutdown } from '../shutdown.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';

export interface WorkerFlags {
  concurrency?: string;
  /** --pack-max: overrides DISTILLERY_PACK_MAX. */
  packMax?: string;
  backend?: string;
  /** commander's `--no-reconcile`: false when given. */
  reconcile?: boolean;
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/**
 * Runs a worker process until SIGINT/SIGTERM. On SIGTERM the current run stops at its next checkpoint (or at
 * once, bounded by DISTILLERY_SHUTDOWN_TIMEOUT_MS), is released to the queue, and the process exits.
 */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const config = loadConfig();
  requireServer(config, 'worker');
  const concurrency = Number(flags.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ConfigError(`--concurrency must be an integer 1–64, got '${flags.concurrency}'`);
  }
  const backend = flags.backend as (typeof BACKENDS)[number] | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend)) {
    throw new ConfigError(`--backend must be one of ${BACKENDS.join(', ')}, got '${flags.backend}'`);
  }
  const { artifactDir, ...workflow } = loadWorkflowConfig();
  if (flags.packMax !== undefined) {
    const packMax = Number(flags.packMax);
    if (!Number.isInteger(packMax) || packMax < 1 || packMax > MAX_PACK_MAX) {
      throw new ConfigError(`--pack-max must be an integer 1–${MAX_PACK_MAX}, got '${flags.packMax}'`);
    }
    workflow.packMax = packMax;
  }
  const dataRoots = loadDataRoots({ mode: 'server', artifactDir: artifactDir ?? DEFAULT_ARTIFACT_DIR });
  const db = await connectDatabase(config);
  await checkRedis(config);
  let worker: RunWorker;
  try {
    worker = new RunWorker({
      db,
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      concurrency,
      ...(backend ? { backend } : {}),
      ...workflow,
      checkpoints: new FileCheckpointStore(artifactDir ?? DEFAULT_ARTIFACT_DIR),
      dataRoots,
      reconcile: flags.reconcile !== false,
    });
  } catch (e) {
    await db.close();
    throw new ConfigError(`${(e as Error).message} (check the DISTILLERY_* variables)`, { cause: e });
  }
  await worker.start();
  onShutdown(async () => {
    await worker.close();
    await db.close();
  });
}
